import http from 'node:http'
import { recordQueries } from '../helpers/database.ts'
import { uuidv7 } from 'uuidv7'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor, createIncident, createSource } from '../factories/index.ts'

let t: TestContext
let tricky: { id: string } & Record<string, any>
let plain: { id: string } & Record<string, any>
let actorId: string

beforeAll(async () => {
  t = await createTestApp()
  actorId = (await createActor(t, { name: 'Formats Actor' })).id
  const source = await createSource(t)
  tricky = await createIncident(t, {
    type: 'shelling',
    title: 'Shells hit "Torkham", crossing closed',
    summary: 'Line one\nline two; =SUM(A1)',
    occurredAt: '2025-10-12T08:00:00Z',
    location: { name: 'Torkham', countryCode: 'AF', lat: 34.1, lon: 71.09, precision: 'exact' },
    actors: [{ actorId, role: 'perpetrator' }],
    tags: ['border', 'crossing'],
    sourceIds: [source.id]
  })
  plain = await createIncident(t, { title: 'No location', occurredAt: '2025-10-11T08:00:00Z', countryCodes: ['PK'] })
  await t.http().post('/v1/statements').set(t.auth()).send({ speakerId: actorId, kind: 'claim', summary: '@everyone: a claim, "quoted"', language: 'en', statedAt: '2025-10-12T09:00:00Z' }).expect(201)
})

const csvCell = (v: unknown) => {
  if (v === null || v === undefined) return ''
  const s = String(v)
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

describe('CSV', () => {
  it('when format=csv, then one header row and RFC 4180 quoting of commas, quotes and newlines, with formulas neutralised', async () => {
    const res = await t.http().get('/v1/incidents?format=csv&country=AF,PK')
    expectMatchesSpec(res, 'GET', '/v1/incidents')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="incidents-\d{4}-\d{2}-\d{2}\.csv"$/)
    const header = 'id,type,title,summary,status,occurredAt,endedAt,datePrecision,countryCodes,location.name,location.admin1,location.countryCode,location.lat,location.lon,location.precision,actors,tags,sourceIds,relations,fatalities.low,fatalities.best,fatalities.high,contested,externalIds.acled,externalIds.ucdp,externalIds.gdelt,acled.disorderType,acled.eventType,acled.subEventType,createdAt,updatedAt,version'
    const row = (i: Record<string, any>) => [
      i.id, i.type, i.title, i.summary, i.status, i.occurredAt, i.endedAt, i.datePrecision, i.countryCodes.join(';'),
      i.location?.name, i.location?.admin1, i.location?.countryCode, i.location?.lat, i.location?.lon, i.location?.precision,
      i.actors.map((a: any) => `${a.actorId}:${a.role}:${a.attribution}:${a.assertedById ?? ''}:${a.statementIds.join(',')}:${a.disputed}`).join(';'), i.tags.join(';'), i.sourceIds.join(';'),
      i.relations.map((r: any) => `${r.incidentId}:${r.kind}:${r.assertedById ?? ''}:${r.statementIds.join(',')}`).join(';'),
      i.fatalities?.low, i.fatalities?.best, i.fatalities?.high, i.contested,
      i.externalIds.acled, i.externalIds.ucdp, i.externalIds.gdelt, i.acled.disorderType, i.acled.eventType, i.acled.subEventType, i.createdAt, i.updatedAt, i.version
    ].map(csvCell).join(',')
    const neutralised = { ...tricky, summary: tricky.summary }
    expect(res.text).toBe(`${header}\n${row(neutralised)}\n${row(plain)}\n`)
    expect(res.text).toContain('"Shells hit ""Torkham"", crossing closed"')
    expect(res.text).toContain('"Line one\nline two; =SUM(A1)"')
  })

  it('when a cell starts with a formula character, then it is prefixed with a quote', async () => {
    const res = await t.http().get('/v1/statements').set('accept', 'text/csv')
    expect(res.status).toBe(200)
    expect(res.text.split('\n')[1]).toContain(',"\'@everyone: a claim, ""quoted""",')
  })
})

describe('NDJSON and GeoJSON', () => {
  it('when Accept is application/x-ndjson, then one JSON incident per line in the list order', async () => {
    const res = await t.http().get('/v1/incidents').set('accept', 'application/x-ndjson')
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
    const lines = res.text.trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((i) => i.id)).toEqual([tricky.id, plain.id])
    expect(lines[0]).toEqual(tricky)
  })

  it('when format=geojson, then a FeatureCollection of the located incidents with [lon, lat] points', async () => {
    const res = await t.http().get('/v1/incidents?format=geojson')
    expectMatchesSpec({ ...res, body: JSON.parse(res.text) }, 'GET', '/v1/incidents')
    expect(res.headers['content-type']).toBe('application/geo+json; charset=utf-8')
    const doc = JSON.parse(res.text)
    expect(doc.type).toBe('FeatureCollection')
    expect(doc.features).toHaveLength(1)
    expect(doc.features[0]).toMatchObject({ type: 'Feature', id: tricky.id, geometry: { type: 'Point', coordinates: [71.09, 34.1] } })
    expect(doc.features[0].properties).toMatchObject({ title: 'Shells hit "Torkham", crossing closed', type: 'shelling', tags: 'border;crossing', 'acled.subEventType': 'Shelling/artillery/missile attack' })
  })

  it('when statements are asked for as GeoJSON, then 406 (Accept) or 400 (format)', async () => {
    const accept = await t.http().get('/v1/statements').set('accept', 'application/geo+json')
    expectMatchesSpec(accept, 'GET', '/v1/statements')
    expect(accept.status).toBe(406)
    expect(accept.body.type).toBe('/problems/not-acceptable')
    expect((await t.http().get('/v1/statements?format=geojson')).status).toBe(400)
    expect((await t.http().get('/v1/incidents').set('accept', 'image/png')).status).toBe(406)
    const json = await t.http().get('/v1/incidents').set('accept', 'text/html, application/json;q=0.9')
    expect(json.status).toBe(200)
    expect(json.body.page).toBeDefined()
  })

  it('when Accept names a format with parameters (the Content-Type of our own answer), then that format, not 406', async () => {
    const csv = await t.http().get('/v1/statements').set('accept', 'text/csv; charset=utf-8')
    expect(csv.status).toBe(200)
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
    const ndjson = await t.http().get('/v1/incidents').set('accept', 'application/x-ndjson; charset=utf-8')
    expect(ndjson.status).toBe(200)
    expect(ndjson.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
  })
})

describe('streaming', () => {
  let bulk: number

  beforeAll(async () => {
    bulk = 2600
    const base = Date.parse('2020-01-01T00:00:00Z')
    await t.app.db.incident.createMany({
      data: Array.from({ length: bulk }, (_, n) => ({ id: uuidv7(), type: 'other' as const, title: `Bulk ${n}`, occurredAt: new Date(base + n * 60_000), countryCodes: ['YE'], tags: ['bulk'] }))
    })
  })

  it('when more rows match than one batch, then every row streams once, in order', async () => {
    const res = await t.http().get('/v1/incidents?tag=bulk&format=ndjson&sort=occurredAt')
    const titles = res.text.trimEnd().split('\n').map((l) => JSON.parse(l).title)
    expect(titles).toHaveLength(bulk)
    expect(titles[0]).toBe('Bulk 0')
    expect(titles[bulk - 1]).toBe(`Bulk ${bulk - 1}`)
    expect(new Set(titles).size).toBe(bulk)
  })

  it('when the client disconnects after the first bytes, then the export stops querying and the pool is released', async () => {
    const more = Array.from({ length: 20_000 }, (_, n) => ({ id: uuidv7(), type: 'other' as const, title: `Many ${n} ${'x'.repeat(400)}`, occurredAt: new Date(Date.parse('2019-01-01T00:00:00Z') + n * 1000), countryCodes: ['YE'], tags: ['many'] }))
    for (let i = 0; i < more.length; i += 5000) await t.app.db.incident.createMany({ data: more.slice(i, i + 5000) })
    await new Promise<void>((resolve) => t.app.server.listening ? resolve() : t.app.listen({ port: 0, host: '127.0.0.1' }).then(() => resolve()))
    const { port } = t.app.server.address() as { port: number }

    const queries = (await recordQueries(async () => {
      await new Promise<void>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/v1/incidents?tag=many&format=ndjson' }, (res) => {
          res.once('data', () => {
            req.destroy()
            resolve()
          })
        })
        req.on('error', (err) => (err.message.includes('aborted') || err.message.includes('socket hang up') ? resolve() : reject(err)))
      })
      await new Promise((resolve) => setTimeout(resolve, 1500))
    })).length
    // 20 batches would run to the end; a stopped export ran only the first few.
    expect(queries).toBeLessThan(20)
    expect(t.app.pool.totalCount - t.app.pool.idleCount).toBe(0)
    expect((await t.http().get('/healthz')).status).toBe(200)
  }, 60_000)
})
