import type { FastifyInstance } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { incidentTypes, incidentStatuses, actorRoles, locationPrecisions, relationKinds } from '../../src/modules/incidents/schemas.ts'
import { datePrecisions } from '../../src/modules/common.ts'
import { statementKinds, statementChannels } from '../../src/modules/statements/summary.ts'
import { casualtyCategories, casualtyGroups } from '../../src/modules/casualties/schemas.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'

// The exports PostgreSQL writes (COPY) against the JS path they replace (EXPORT_ENGINE=js), byte for
// byte, on one database holding every edge the views have.
let t: TestContext
let js: FastifyInstance
let nested: string[] = []

const awkward = [
  'Shells hit "Torkham", crossing closed',
  'Line one\nline two\r\nline three; =SUM(A1)',
  '=HYPERLINK("x")', '+1 more', '-minus first', '@everyone', '\tTabbed', '\rreturn first',
  'Unicode: ünïcödé, 中文, العربية, emoji 🇦🇫🧨, combining é, line sep \u2028 para \u2029, zero-width \u200b',
  'Control \u0001\u0008\u000b\u000c\u001f and DEL \u007f, backslash \\ and slash /',
  'It\'s quoted \'single\' and "double" and ""doubled""', 'comma, only'
]

beforeAll(async () => {
  t = await createTestApp()
  js = await buildApp({ databaseUrl: t.databaseUrl, logger: false, rateLimitPerMinute: 1_000_000, exports: { engine: 'js' } })
  await js.ready()
  const actors = await Promise.all(actorRoles.map((_, n) => createActor(t, { name: `Copy Actor ${n} ${awkward[n % awkward.length]}` })))
  const sources = await Promise.all([createSource(t), createSource(t)])
  const first = await createIncident(t, { title: 'Plain, the first', occurredAt: '2025-10-09T21:30:00.000Z', countryCodes: ['YE'], tags: [] })
  const speaker = actors[0].id
  const statements: Array<{ id: string }> = []
  for (const [n, kind] of statementKinds.entries()) {
    const res = await t.http().post('/v1/statements').set(t.auth()).send({
      speakerId: speaker,
      kind,
      summary: awkward[n % awkward.length],
      quote: n % 2 ? awkward[(n + 3) % awkward.length] : null,
      language: n % 3 ? 'en' : 'ps-AF',
      channel: n < statementChannels.length ? statementChannels[n] : null,
      place: n % 2 ? null : awkward[(n + 5) % awkward.length],
      ...(n === 1 ? { originalQuote: 'کلمات اصلي', originalLanguage: 'ps' } : {}),
      speakerTitle: n % 2 ? 'Spokesman, "acting"' : null,
      statedAt: `2025-10-${String(10 + n).padStart(2, '0')}T0${n % 10}:00:00.${String(n * 7).padStart(3, '0')}Z`,
      datePrecision: datePrecisions[n % datePrecisions.length],
      incidentIds: n % 3 === 0 ? [first.id] : [],
      aboutActorIds: n % 2 ? actors.slice(1, 3).map((a) => a.id) : [],
      sourceIds: n % 2 ? [sources[n % 2].id] : [],
      ...(n > 0 && n % 4 === 0 ? { respondsToId: statements[0].id } : {})
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    statements.push(res.body)
  }
  for (const [n, type] of incidentTypes.entries()) {
    const located = n % 4 !== 3
    const incident = await createIncident(t, {
      type,
      title: awkward[n % awkward.length],
      summary: n % 3 === 0 ? null : awkward[(n + 1) % awkward.length],
      status: incidentStatuses[n % incidentStatuses.length],
      occurredAt: `2025-11-${String(1 + n).padStart(2, '0')}T12:${String(n).padStart(2, '0')}:00.${String(n * 37 % 1000).padStart(3, '0')}Z`,
      endedAt: n % 2 ? `2025-12-01T00:00:00.00${n % 10}Z` : null,
      datePrecision: datePrecisions[n % datePrecisions.length],
      ...(located
        ? {
            location: {
              name: awkward[(n + 2) % awkward.length],
              ...(n % 2 ? { admin1: 'Nangarhar, "east"' } : {}),
              countryCode: 'AF',
              // Values whose shortest form PostgreSQL and JavaScript write differently (exponents, -0), and plain ones.
              lat: [0.00005, -0.0000123, 1e-7, -0, 34.1, -89.999999999999, 33.12345678901234, 12][n % 8],
              lon: [1.5e-5, 71.09, -0.0001, 180, -179.99999, 0, 5e-7, 66.1][n % 8],
              precision: locationPrecisions[n % locationPrecisions.length]
            },
            countryCodes: n % 2 ? ['AF', 'PK'] : ['AF']
          }
        : { countryCodes: n % 2 ? ['PK', 'YE'] : ['PK'] }),
      // Every attribution, with and without statements (alleged by the first actor, claimed by the actor itself).
      actors: actors.slice(0, n % (actors.length + 1)).map((a, k) => ({
        actorId: a.id,
        role: actorRoles[(n + k) % actorRoles.length],
        ...[{}, { attribution: 'alleged', assertedById: actors[0].id, statementIds: statements.slice(0, 1 + (n % 2)).map((s) => s.id) }, { attribution: 'claimed' }][(n + k) % 3]
      })),
      tags: n % 3 ? ['border', `tag-${n}`] : [],
      sourceIds: n % 2 ? sources.map((s) => s.id) : [],
      relations: [{ incidentId: first.id, kind: relationKinds[n % relationKinds.length], assertedById: n % 2 ? actors[1].id : null, statementIds: n % 3 === 1 ? statements.slice(0, 2).map((s) => s.id) : [] }]
        .filter(() => n % 5 !== 4),
      externalIds: [{}, { acled: `ACL${n}` }, { ucdp: `U,${n}` }, { acled: `A${n}`, gdelt: `=G${n}` }, { acled: `x${n}`, ucdp: `y${n}`, gdelt: `z${n}` }][n % 5]
    })
    if (n % 3 === 2) {
      await addCasualtyReport(t, incident.id, {
        category: casualtyCategories[n % casualtyCategories.length],
        min: n,
        sourceIds: [sources[0].id],
        reportedById: actors[2].id,
        note: awkward[n % awkward.length],
        reportedAt: '2025-11-20T10:00:00.5Z',
        groups: casualtyGroups.slice(0, n % casualtyGroups.length)
      })
      await addCasualtyReport(t, incident.id, { category: 'killed', qualifier: 'range', min: 2, max: 10 + n, sourceIds: [], affectedActorId: actors[3].id })
      await addCasualtyReport(t, incident.id, { category: 'injured', qualifier: 'unquantified', min: 1, phrase: 'dozens, "many"', reportedById: actors[1].id, groups: ['civilians'] })
    }
  }
  nested = [`/v1/actors/${actors[1].id}/incidents?format=csv`, `/v1/actors/${actors[0].id}/statements?format=ndjson`,
    `/v1/incidents/${first.id}/statements?format=csv`, `/v1/actors/${actors[1].id}/incidents?format=geojson&sort=updatedAt`]
  return async () => { await js.close() }
})

async function both (url: string) {
  const [copy, reference] = await Promise.all([t.app.inject({ url }), js.inject({ url })])
  expect(reference.statusCode, reference.body).toBe(200)
  expect(copy.statusCode, copy.body).toBe(200)
  expect(copy.headers['content-type']).toBe(reference.headers['content-type'])
  expect(copy.headers['content-disposition']).toBe(reference.headers['content-disposition'])
  return { copy: copy.body, reference: reference.body }
}

const urls = [
  '/v1/incidents?format=ndjson',
  '/v1/incidents?format=csv',
  '/v1/incidents?format=geojson',
  '/v1/incidents?format=ndjson&sort=fatalities',
  '/v1/incidents?format=csv&sort=-fatalities&minFatalities=0',
  '/v1/incidents?format=geojson&sort=occurredAt&country=AF',
  '/v1/incidents?format=ndjson&sort=updatedAt&status=reported,disputed',
  '/v1/incidents?format=csv&type=airstrike,shelling,protest',
  '/v1/incidents?format=ndjson&q=Torkham',
  '/v1/incidents?format=geojson&bbox=-180,-90,180,90',
  '/v1/statements?format=ndjson',
  '/v1/statements?format=csv',
  '/v1/statements?format=csv&sort=statedAt&hasQuote=true',
  '/v1/casualties?format=ndjson',
  '/v1/casualties?format=csv',
  '/v1/casualties?format=csv&sort=-reportedAt',
  '/v1/casualties?format=ndjson&sort=reportedAt&category=killed,injured'
]

describe('exports written by PostgreSQL', () => {
  it.each(urls)('when %s is exported, then the bytes are those of the JS path', async (url) => {
    const { copy, reference } = await both(url)
    expect(reference.length).toBeGreaterThan(200)
    expect(copy).toBe(reference)
  })

  it('when a nested list (an actor\'s incidents and statements, an incident\'s statements) is exported, then the bytes are those of the JS path', async () => {
    for (const url of nested) {
      const { copy, reference } = await both(url)
      expect(reference.length).toBeGreaterThan(200)
      expect(copy).toBe(reference)
    }
  })

  it('when nothing matches, then each format is the same empty export', async () => {
    for (const format of ['ndjson', 'csv', 'geojson']) {
      const { copy, reference } = await both(`/v1/incidents?format=${format}&country=ZZ`)
      expect(copy).toBe(reference)
    }
    const ledger = await both('/v1/casualties?format=csv&category=missing&qualifier=at_most')
    expect(ledger.copy).toBe(ledger.reference)
    expect(ledger.copy).toMatch(/^id,incidentId,[^\n]+,version\n$/)
  })

  it('when the data holds every edge, then the reference export shows them (the comparison above means something)', async () => {
    const { reference } = await both('/v1/incidents?format=ndjson')
    const lines = reference.trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(new Set(lines.map((i) => i.type))).toEqual(new Set(incidentTypes))
    expect(lines.some((i) => i.location === null)).toBe(true)
    expect(lines.some((i) => Object.keys(i.externalIds).length === 0)).toBe(true)
    expect(lines.some((i) => Object.keys(i.externalIds).length === 3)).toBe(true)
    expect(lines.some((i) => i.relations.some((r: { statementIds: string[] }) => r.statementIds.length === 2))).toBe(true)
    expect(lines.some((i) => i.fatalities !== null)).toBe(true)
    expect(reference).toContain('"lat":0.00005')
    expect(reference).toContain('"lon":5e-7')
    expect(reference).toContain('\\u0001')
  })

  it('when filters carry quotes, backslashes and SQL, then the COPY export (values written as literals) answers as the JS path', async () => {
    const q = encodeURIComponent('quoted \'single\' \\ "double"); DROP TABLE incidents; --')
    for (const url of [`/v1/incidents?format=ndjson&q=${q}`, `/v1/statements?format=csv&q=${q}`, `/v1/incidents?format=geojson&q=${q}`]) {
      const res = await t.app.inject({ url })
      const reference = await js.inject({ url })
      expect(res.statusCode).toBe(200)
      expect(reference.statusCode).toBe(200)
      expect(res.body).toBe(reference.body)
    }
    expect((await both('/v1/incidents?format=ndjson&q=quoted')).copy).toContain('quoted')
  })

  it('when the export asks for include=, then it takes the JS path and still answers', async () => {
    const res = await t.app.inject({ url: '/v1/incidents?format=ndjson&include=actors' })
    expect(res.statusCode).toBe(200)
    expect(res.body.trimEnd().split('\n').map((l) => JSON.parse(l)).some((i) => i.actors.some((a: { actor?: object }) => a.actor))).toBe(true)
  })

  it('when read asOf the log\'s last position, then every export (both engines) and every page is today\'s, byte for byte: the log\'s views rebuild every edge', async () => {
    const [{ seq }] = await t.app.db.$queryRaw<Array<{ seq: bigint }>>`SELECT max(seq) AS seq FROM changes`
    const pages = ['/v1/incidents?limit=500', '/v1/incidents?limit=500&sort=fatalities', '/v1/statements?limit=500', '/v1/casualties?limit=500&sort=reportedAt']
    for (const url of [...urls, ...nested, ...pages]) {
      const past = `${url}&asOf=seq:${seq}`
      const now = await t.app.inject({ url })
      const copy = await t.app.inject({ url: past })
      const reference = await js.inject({ url: past })
      expect(copy.statusCode, copy.body).toBe(200)
      expect(copy.body, url).toBe(now.body)
      expect(reference.body, url).toBe(now.body)
    }
  })
})
