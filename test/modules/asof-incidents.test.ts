import { setTimeout as sleep } from 'node:timers/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { Prisma } from '../../src/generated/prisma/client.ts'
import { rawRows } from '../../src/db/rows.ts'
import { incidentSnapshotWith } from '../../src/modules/changes/snapshots.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'

let t: TestContext
beforeAll(async () => {
  t = await createTestApp()
})

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}

/** The change log's last position, from the feed. */
async function position () {
  const res = await get('/v1/changes?limit=1000&since=0')
  let last = res.body.data.at(-1)
  let cursor = res.body.page.nextCursor
  while (cursor) {
    const next = await get(`/v1/changes?limit=1000&cursor=${cursor}`)
    last = next.body.data.at(-1) ?? last
    cursor = next.body.page.nextCursor
  }
  return last as { seq: number, at: string }
}

// The queries an analyst would repeat: filters on columns, roles, links, text, place and figures, each sort, every format.
const urls = [
  '/v1/incidents',
  '/v1/incidents?sort=fatalities',
  '/v1/incidents?sort=-updatedAt&includeTotal=true',
  '/v1/incidents?type=airstrike,shelling&country=PK',
  '/v1/incidents?minFatalities=3&contested=false',
  '/v1/incidents?tag=night',
  '/v1/incidents?q=border',
  '/v1/incidents?bbox=60,25,75,40',
  '/v1/incidents?format=ndjson',
  '/v1/incidents?format=csv',
  '/v1/incidents?format=geojson',
  '/v1/incidents?fields=id,title,actors,sourceIds',
  '/v1/incidents?format=ndjson&fields=id,type,tags',
  '/v1/incidents?format=csv&fields=id,title,actors',
  '/v1/stats/incidents?groupBy=type',
  '/v1/stats/incidents?groupBy=actor,month',
  '/v1/stats/incidents?groupBy=country&minFatalities=1',
  '/v1/casualties',
  '/v1/casualties?country=PK&sort=-reportedAt',
  '/v1/casualties?format=csv',
  '/v1/casualties?format=ndjson&category=killed',
  '/v1/casualties?fields=id,min',
  '/v1/casualties?format=csv&fields=id,min',
  '/v1/stats/casualties?groupBy=reportedBy,category',
  '/v1/stats/casualties?groupBy=country'
]
const withAsOf = (url: string, asOf: string) => `${url}${url.includes('?') ? '&' : '?'}asOf=${encodeURIComponent(asOf)}`
const answer = (res: { headers: Record<string, string>, body: unknown, text: string }) =>
  res.headers['content-type'].startsWith('application/json') ? res.body : res.text

describe('asOf on incident and casualty lists, exports and stats', () => {
  let seq: number
  let at: string
  const before = new Map<string, unknown>()
  let ids: { strike: string, shelling: string, army: string, source: string }

  beforeAll(async () => {
    const army = await createActor(t, { name: 'Snapshot Army', kind: 'military' })
    const source = await createSource(t)
    const strike = await createIncident(t, {
      type: 'airstrike',
      title: 'Strike near the border',
      occurredAt: '2025-10-09T21:30:00Z',
      location: { name: 'Paktika', admin1: 'Paktika', countryCode: 'AF', lat: 32.5, lon: 68.8, precision: 'near' },
      countryCodes: ['AF', 'PK'],
      actors: [{ actorId: army.id, role: 'perpetrator' }],
      tags: ['night'],
      sourceIds: [source.id]
    })
    await addCasualtyReport(t, strike.id, { min: 3 })
    const shelling = await createIncident(t, { type: 'shelling', title: 'Shelling of a village', occurredAt: '2025-10-11T06:00:00Z', countryCodes: ['PK'] })
    ids = { strike: strike.id, shelling: shelling.id, army: army.id, source: source.id }
    const last = await position()
    seq = last.seq
    at = last.at
    for (const url of urls) {
      const res = await get(url)
      expect(res.status, url).toBe(200)
      before.set(url, answer(res))
    }
    await sleep(5)

    // Then everything changes: an edit, a new figure, a role, a rename, a delete and a new incident.
    await t.http().patch(`/v1/incidents/${strike.id}`).set(t.auth()).send({ title: 'Strike on a border post', type: 'drone_strike', tags: ['day'] }).expect(200)
    await addCasualtyReport(t, strike.id, { min: 9, reportedById: army.id })
    await t.http().patch(`/v1/actors/${army.id}`).set(t.auth()).send({ name: 'Renamed Army' }).expect(200)
    await t.http().patch(`/v1/incidents/${shelling.id}`).set(t.auth()).send({ actors: [{ actorId: army.id, role: 'target' }] }).expect(200)
    await t.http().delete(`/v1/incidents/${shelling.id}`).set(t.auth()).expect(204)
    await createIncident(t, { type: 'airstrike', title: 'A later strike on the border', occurredAt: '2025-10-10T00:00:00Z', countryCodes: ['PK'], tags: ['night'] })
  })

  it('when the data changed since, then asOf=seq:N answers what the same query answered at N, in every format', async () => {
    for (const url of urls) {
      const now = answer(await get(url))
      expect(now, `${url} changed`).not.toEqual(before.get(url))
      expect(answer(await get(withAsOf(url, `seq:${seq}`))), url).toEqual(before.get(url))
    }
  })

  it('when asOf is the time of position N, then it answers as seq:N', async () => {
    for (const url of urls) expect(answer(await get(withAsOf(url, at))), url).toEqual(before.get(url))
  })

  it('pages of a snapshot follow its cursor, which carries the snapshot; a cursor does not cross snapshots', async () => {
    const all = (before.get('/v1/incidents') as { data: Array<{ id: string }> }).data
    const seen: string[] = []
    let url: string | null = withAsOf('/v1/incidents?limit=1', `seq:${seq}`)
    while (url) {
      const res = await get(url)
      seen.push(...res.body.data.map((i: { id: string }) => i.id))
      const link = res.headers.link as string | undefined
      url = res.body.page.nextCursor ? link!.slice(1, link!.indexOf('>')) : null
      if (url) expect(url).toContain('asOf=')
    }
    expect(seen).toEqual(all.map((i) => i.id))

    const first = await get(withAsOf('/v1/incidents?limit=1', `seq:${seq}`))
    const cursor = first.body.page.nextCursor
    const elsewhere = await get(withAsOf(`/v1/incidents?limit=1&cursor=${cursor}`, `seq:${seq - 1}`))
    expect(elsewhere.status).toBe(400)
    expect(elsewhere.body.errors[0]).toMatchObject({ path: 'cursor', message: expect.stringContaining(`asOf=seq:${seq}`) })
    const now = await get(`/v1/incidents?limit=1&cursor=${cursor}`)
    expect(now.status).toBe(400)
    const current = await get('/v1/incidents?limit=1')
    expect((await get(withAsOf(`/v1/incidents?limit=1&cursor=${current.body.page.nextCursor}`, `seq:${seq}`))).status).toBe(400)
  })

  it('an answer asOf a settled position is immutable: a long-lived Cache-Control, an ETag that survives writes', async () => {
    const url = withAsOf('/v1/incidents', `seq:${seq}`)
    const res = await get(url)
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    await createIncident(t, { title: 'One more write' })
    const again = await get(url)
    expect(again.headers.etag).toBe(res.headers.etag)
    expect(again.body).toEqual(res.body)
    expect((await t.http().get(url).set('if-none-match', res.headers.etag)).status).toBe(304)
    const current = await get('/v1/incidents')
    expect(current.headers['cache-control']).not.toContain('immutable')
  })

  it('before the log began nothing existed; past the last position or in the future is a 400', async () => {
    expect((await get('/v1/incidents?asOf=seq:0')).body.data).toEqual([])
    expect((await get('/v1/incidents?asOf=2000-01-01')).body.data).toEqual([])
    expect((await get('/v1/stats/incidents?groupBy=type&asOf=2000-01-01T00:00:00Z')).body.data).toEqual([])
    const last = await position()
    for (const asOf of [`seq:${last.seq + 1}`, '2999-01-01T00:00:00Z']) {
      const res = await get(`/v1/incidents?asOf=${asOf}`)
      expect(res.status, asOf).toBe(400)
      expect(res.headers['content-type']).toContain('application/problem+json')
      expect(res.body.errors[0].path).toBe('asOf')
    }
    for (const asOf of ['seq:', 'seq:-1', 'yesterday', 'seq:01']) expect((await get(`/v1/incidents?asOf=${asOf}`)).status, asOf).toBe(400)
    const included = await get(`/v1/incidents?asOf=seq:${seq}&include=actors`)
    expect(included.status).toBe(400)
    expect(included.body.errors[0].path).toBe('include')
    const acled = await get(`/v1/incidents?asOf=seq:${seq}&format=acled-csv`)
    expect(acled.status).toBe(400)
    expect(acled.body.errors[0].path).toBe('format')
  })

  it('an actor\'s incidents asOf a position are those it was linked to then', async () => {
    const url = `/v1/actors/${ids.army}/incidents`
    expect((await get(url)).body.data.map((i: { id: string }) => i.id)).not.toContain(ids.shelling)
    expect((await get(withAsOf(url, `seq:${seq}`))).body.data.map((i: { id: string }) => i.id)).toEqual([ids.strike])
  })

  it('a snapshot\'s incident rows carry the link columns a live row has, built from the logged view', async () => {
    const later = await createIncident(t, { type: 'shelling', title: 'Reply across the border', occurredAt: '2025-10-12T00:00:00Z', countryCodes: ['AF'] })
    await t.http().patch(`/v1/incidents/${later.id}`).set(t.auth()).send({ relations: [{ incidentId: ids.strike, kind: 'responds_to' }] }).expect(200)
    type Links = { id: string, actors: Array<{ id: string }>, sources: unknown[], relations: unknown[] }
    const read = (snapshot: Prisma.Sql) => rawRows<Links>(t.app.pool, Prisma.sql`${snapshot}SELECT i.id::text AS id, i.actor_links AS actors,
      i.source_links AS sources, i.relation_links AS relations FROM incidents i WHERE i.deleted_at IS NULL ORDER BY i.id`)
    // A role's row id is not in the log: a snapshot derives its own
    const withoutRoleIds = (rows: Links[]) => rows.map((r) => ({ ...r, actors: r.actors.map(({ id: _id, ...role }) => role) }))
    const now = await read(Prisma.empty)
    expect(now.some((r) => r.actors.length > 0 && r.sources.length > 0)).toBe(true)
    expect(now.some((r) => r.relations.length > 0)).toBe(true)
    const last = await position()
    expect(withoutRoleIds(await read(incidentSnapshotWith(String(last.seq))))).toEqual(withoutRoleIds(now))
    const past = await read(incidentSnapshotWith(String(seq)))
    expect(past.find((r) => r.id === ids.shelling)).toMatchObject({ actors: [], sources: [], relations: [] })
    expect(past.find((r) => r.id === ids.strike)?.actors).toMatchObject([{ actorId: ids.army, role: 'perpetrator', attribution: 'confirmed', disputed: false, statementIds: [] }])
  })
})
