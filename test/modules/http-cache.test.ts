import { setTimeout as sleep } from 'node:timers/promises'
import { gunzipSync, brotliDecompressSync } from 'node:zlib'
import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { POSITION_SQL } from '../../src/db/position.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { recordQueries } from '../helpers/database.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'

let t: TestContext
let actorId: string
let incidentId: string
let sourceId: string

beforeAll(async () => {
  t = await createTestApp()
  actorId = (await createActor(t, { name: 'Cache actor' })).id
  sourceId = (await createSource(t)).id
  incidentId = (await createIncident(t, { actors: [{ actorId, role: 'perpetrator' }], sourceIds: [sourceId] })).id
  await addCasualtyReport(t, incidentId, { min: 3, reportedById: actorId })
  await t.http().post('/v1/statements').set(t.auth())
    .send({ speakerId: actorId, kind: 'claim', summary: 'We did it', language: 'en', statedAt: '2025-10-10T10:00:00Z', incidentIds: [incidentId] }).expect(201)
})

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await t.http().get(url).set(headers)
  expectMatchesSpec(res, 'GET', url)
  return res
}

// The queries a request sent besides the change-log position and the rate-limit counter.
const dataQueries = (sent: string[]) => sent.filter((q) => q !== POSITION_SQL && !/rate_limit/i.test(q))

const metric = async (name: string, outcome?: string) => {
  const values = (await t.app.metrics.getSingleMetric(name)!.get()).values
  return values.filter((v) => outcome === undefined || v.labels.outcome === outcome).reduce((sum, v) => sum + v.value, 0)
}

describe('ETag and If-None-Match on every kind of read', () => {
  const reads = () => [
    '/v1/incidents', `/v1/actors/${actorId}/incidents`, '/v1/actors', '/v1/sources', '/v1/statements', `/v1/actors/${actorId}/statements`,
    `/v1/incidents/${incidentId}/statements`, '/v1/casualties', `/v1/incidents/${incidentId}/casualties`, '/v1/stats/incidents?groupBy=type',
    '/v1/stats/casualties?groupBy=category', '/v1/timeline', `/v1/incidents/${incidentId}/accounts`, `/v1/incidents/${incidentId}/related`,
    '/v1/changes', `/v1/incidents/${incidentId}/revisions`,
    `/v1/incidents/${incidentId}`, `/v1/actors/${actorId}`, `/v1/sources/${sourceId}`
  ]

  it('when a read is repeated with its ETag, then it is a 304 with the same ETag and no body, and the data query does not run', async () => {
    for (const url of reads()) {
      const first = await get(url)
      expect(first.status, url).toBe(200)
      expect(first.headers.etag, url).toMatch(/^(W\/"\d+-[\w-]{12}"|"\d+")$/)
      let again!: Awaited<ReturnType<typeof get>>
      const sent = await recordQueries(async () => { again = await get(url, { 'if-none-match': first.headers.etag }) })
      expect(again.status, url).toBe(304)
      expect(again.text, url).toBe('')
      expect(again.headers.etag, url).toBe(first.headers.etag)
      expect(dataQueries(sent), url).toEqual([])
    }
  })

  it('when the tag is stale or another, then the answer is a 200', async () => {
    const current = (await get('/v1/incidents')).headers.etag
    expect((await get('/v1/incidents', { 'if-none-match': 'W/"0-aaaaaaaaaaaa"' })).status).toBe(200)
    expect((await get('/v1/incidents', { 'if-none-match': `W/"0-aaaaaaaaaaaa", ${current}` })).status).toBe(304)
    expect((await get(`/v1/incidents/${incidentId}`, { 'if-none-match': '"999"' })).status).toBe(200)
  })

  it('keeps the single-record version tags that If-Match reads', async () => {
    const res = await get(`/v1/actors/${actorId}`)
    expect(res.headers.etag).toMatch(/^"\d+"$/)
    expect((await get(`/v1/incidents/${incidentId}?include=actors`)).headers.etag).toMatch(/^"\d+\.[0-9a-f]{10}"$/)
  })

  it('names each representation apart: another format or another query is another tag', async () => {
    const json = (await get('/v1/incidents?limit=5')).headers.etag
    const csv = (await get('/v1/incidents?limit=5&format=csv')).headers.etag
    expect(new Set([json, csv, (await get('/v1/incidents?limit=6')).headers.etag]).size).toBe(3)
    // The validated query names the answer: parameter order and spelled-out defaults do not matter,
    // and neither do Accept headers that all mean JSON.
    expect((await get('/v1/incidents?sort=-occurredAt&limit=5')).headers.etag).toBe(json)
    expect((await get('/v1/incidents?limit=5', { accept: '*/*' })).headers.etag).toBe(json)
    expect((await get('/v1/incidents?limit=5', { accept: 'application/json, text/plain, */*' })).headers.etag).toBe(json)
    expect((await get('/v1/incidents?limit=5', { accept: 'text/csv' })).headers.etag).toBe(csv)
  })
})

describe('after a write', () => {
  it('when a write commits, then the next read has a new ETag and the new data, and the old tag gets a 200', async () => {
    const before = await get('/v1/actors?limit=500')
    await createActor(t, { name: 'Written after' })
    const after = await get('/v1/actors?limit=500', { 'if-none-match': before.headers.etag })
    expect(after.status).toBe(200)
    expect(after.headers.etag).not.toBe(before.headers.etag)
    expect(after.body.data.map((a: { name: string }) => a.name)).toContain('Written after')
  })

  it('when another API instance on the same database writes, then this one never answers from before the write', async () => {
    const other = await buildApp({ databaseUrl: t.databaseUrl, logger: false, rateLimitPerMinute: 1_000_000 })
    await other.ready()
    try {
      const url = `/v1/incidents/${incidentId}/casualties`
      const reporter = (await createActor(t, { name: 'Second reporter' })).id
      const before = await get(url)
      const single = await get(`/v1/incidents/${incidentId}`)
      const written = await other.inject({
        method: 'POST', url, headers: t.auth(), payload: { category: 'killed', qualifier: 'exact', min: 40, reportedById: reporter }
      })
      expect(written.statusCode).toBe(201)
      const after = await get(url, { 'if-none-match': before.headers.etag })
      expect(after.status).toBe(200)
      expect(after.body.data).toHaveLength(before.body.data.length + 1)
      // The incident's derived roll-up moved with the report: its version tag did too.
      const record = await get(`/v1/incidents/${incidentId}`, { 'if-none-match': single.headers.etag })
      expect(record.status).toBe(200)
      expect(record.headers.etag).not.toBe(single.headers.etag)
    } finally {
      await other.close()
    }
  })
})

describe('Cache-Control and Vary', () => {
  it('when no key is sent, then reads are public with small ages; with a key, private', async () => {
    const anonymous = await get('/v1/incidents')
    expect(anonymous.headers['cache-control']).toBe('public, max-age=5, stale-while-revalidate=30')
    const keyed = await get('/v1/incidents', t.auth('read'))
    expect(keyed.headers['cache-control']).toBe('private, no-cache')
    expect((await get('/v1/incidents', { ...t.auth('read'), 'if-none-match': keyed.headers.etag })).headers['cache-control']).toBe('private, no-cache')
  })

  it('varies on the format, the identity and the encoding', async () => {
    const vary = (await get('/v1/incidents')).headers.vary.toLowerCase().split(/,\s*/)
    expect(vary).toEqual(expect.arrayContaining(['accept', 'authorization', 'accept-encoding']))
  })

  it('never lets a cache keep the keys list, a problem or the metrics', async () => {
    const keys = await get('/v1/keys', t.auth('admin'))
    expect(keys.headers['cache-control']).toBe('no-store')
    expect(keys.headers.etag).toBeUndefined()
    const missing = await get('/v1/incidents/00000000-0000-4000-8000-000000000000')
    expect(missing.status).toBe(404)
    expect(missing.headers['cache-control']).toBe('no-store')
    expect(missing.headers.etag).toBeUndefined()
    expect((await t.http().get('/metrics')).headers.etag).toBeUndefined()
  })

  it('when reads need a key, then every read is private', async () => {
    const closed = await createTestApp({ readRequiresKey: true })
    const res = await closed.http().get('/v1/incidents').set(closed.auth('read'))
    expect(res.status).toBe(200)
    expect(res.headers['cache-control']).toBe('private, no-cache')
  })
})

describe('the response cache', () => {
  it('when many identical requests arrive at once, then the handler runs once and the others share its answer', async () => {
    await createIncident(t, { title: 'Moves the position' })
    const url = '/v1/incidents?limit=7&include=actors,sources'
    const misses = await metric('sitrep_response_cache_total', 'miss')
    const shared = await metric('sitrep_response_cache_total', 'shared')
    // The first request's query waits on a lock, so all eight are in flight together.
    const owner = new pg.Client({ connectionString: t.ownerUrl })
    await owner.connect()
    let answers: Array<Awaited<ReturnType<typeof get>>>
    try {
      await owner.query('BEGIN')
      await owner.query('LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE')
      const pending = Promise.all(Array.from({ length: 8 }, () => get(url)))
      const blocked = async () => (await owner.query('SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted')).rows[0].n
      while (await blocked() === 0) await sleep(20)
      await sleep(300) // the other seven reach the running computation (they wait on no lock)
      await owner.query('COMMIT')
      answers = await pending
    } finally {
      await owner.end()
    }
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200))
    expect(new Set(answers.map((a) => a.text)).size).toBe(1)
    expect(await metric('sitrep_response_cache_total', 'miss') - misses).toBe(1)
    expect(await metric('sitrep_response_cache_total', 'shared') - shared).toBe(7)
  })

  it('when an answer is stored, then a repeat is served without the data query', async () => {
    const url = '/v1/timeline?limit=3'
    const first = await get(url)
    let again!: Awaited<ReturnType<typeof get>>
    const sent = await recordQueries(async () => { again = await get(url) })
    expect(again.text).toBe(first.text)
    expect(again.headers.link).toBe(first.headers.link)
    expect(dataQueries(sent)).toEqual([])
  })

  it('when a crowd repeats one URL, then the stored answer is served per Accept, and every read still counts against the rate limit', async () => {
    // A database of its own: the counters of the file's app (keyed by the same address) are in t's.
    const { app: limited } = await createTestApp({ rateLimitPerMinute: 3 })
    const hits = async () => (await limited.metrics.getSingleMetric('sitrep_response_cache_total')!.get()).values
      .filter((v) => v.labels.outcome === 'hit').reduce((sum, v) => sum + v.value, 0)
    const url = '/v1/incidents?limit=2&sort=-occurredAt'
    const json = await limited.inject({ url })
    expect(json.statusCode).toBe(200)
    const again = await limited.inject({ url })
    expect(again.body).toBe(json.body)
    expect(again.headers.etag).toBe(json.headers.etag)
    expect(await hits()).toBe(1)
    // The same URL asking for CSV by Accept is another answer, never the stored JSON.
    const csv = await limited.inject({ url, headers: { accept: 'text/csv' } })
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
    expect(csv.headers.etag).not.toBe(json.headers.etag)
    const spent = await limited.inject({ url })
    expect(spent.statusCode).toBe(429)
    expect(spent.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(await hits()).toBe(1)
  })

  it('when the bytes are spent, then the least recently used answers go', async () => {
    const small = await createTestApp({ httpCache: { maxBytes: 20_000 } })
    for (let i = 0; i < 6; i++) await small.http().post('/v1/actors').set(small.auth()).send({ name: `Bounded ${i}`, kind: 'other', description: 'x'.repeat(400) }).expect(201)
    for (let limit = 1; limit <= 12; limit++) await small.http().get(`/v1/actors?limit=${limit}`).expect(200)
    const { bytes, entries } = small.app.responseCache.usage()
    expect(bytes).toBeLessThanOrEqual(20_000)
    expect(entries).toBeLessThan(12)
    const sent = await recordQueries(async () => { await small.http().get('/v1/actors?limit=1').expect(200) })
    expect(dataQueries(sent).length).toBeGreaterThan(0) // evicted: computed again
  })

  it('streams an export with an ETag and a 304, and never stores it', async () => {
    const url = '/v1/incidents?format=ndjson'
    const before = t.app.responseCache.usage()
    const first = await get(url)
    expect(first.headers.etag).toBeDefined()
    expect(t.app.responseCache.usage()).toEqual(before)
    expect((await get(url, { 'if-none-match': first.headers.etag })).status).toBe(304)
  })
})

describe('compression', () => {
  it('compresses a large list with br or gzip as asked, and leaves a small answer alone', async () => {
    for (let i = 0; i < 10; i++) await createIncident(t, { title: `Padding incident ${i}`, summary: 'a long summary of what happened '.repeat(20) })
    const plain = await get('/v1/incidents?limit=50')
    // inject: the bytes as sent, not decoded by the client.
    const raw = (encoding: string) => t.app.inject({ method: 'GET', url: '/v1/incidents?limit=50', headers: { 'accept-encoding': encoding } })
    const br = await raw('br, gzip')
    expect(br.headers['content-encoding']).toBe('br')
    expect(JSON.parse(brotliDecompressSync(br.rawPayload).toString())).toEqual(plain.body)
    expect(br.rawPayload.length).toBeLessThan(Buffer.byteLength(plain.text) / 3)
    const gzip = await raw('gzip')
    expect(gzip.headers['content-encoding']).toBe('gzip')
    expect(JSON.parse(gunzipSync(gzip.rawPayload).toString())).toEqual(plain.body)
    // From the cache, compressed once and kept: the same bytes again, decoded once.
    const hits = await metric('sitrep_response_cache_total', 'hit')
    const again = await raw('br')
    expect(await metric('sitrep_response_cache_total', 'hit') - hits).toBe(1)
    expect(again.headers['content-encoding']).toBe('br')
    expect(again.rawPayload.equals(br.rawPayload)).toBe(true)
    expect((await raw('gzip;q=0, identity')).headers['content-encoding']).toBeUndefined()
    const small = await t.http().get(`/v1/actors/${actorId}`).set('accept-encoding', 'br, gzip')
    expect(small.headers['content-encoding']).toBeUndefined()
  })
})
