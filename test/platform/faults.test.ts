import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import supertest from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { defaultLimits } from '../../src/http/limits.ts'
import { createKeyRepository } from '../../src/modules/keys/repository.ts'
import { startOwnPostgres, type OwnPostgres } from '../helpers/own-postgres.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { verifyWrites, writeStream, type WriteRecord } from '../helpers/write-stream.ts'

// The app keeps running while its PostgreSQL is stopped, killed and started again under it.
let pg: OwnPostgres
let app: FastifyInstance
let auth: { authorization: string }
const crashes: unknown[] = []
const warnings: string[] = []
const onCrash = (err: unknown) => { crashes.push(err) }

beforeAll(async () => {
  pg = await startOwnPostgres()
  app = await buildApp({
    databaseUrl: pg.url,
    logger: { level: 'warn', stream: { write: (line: string) => { if (JSON.parse(line).level === 40) warnings.push(JSON.parse(line).msg) } } },
    rateLimitPerMinute: 1_000_000,
    // Every write stream may be importing at once: this file is about outages, not the import cap.
    importsTotal: 16,
    heartbeatMs: 200
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  auth = { authorization: `Bearer ${(await createKeyRepository(app.db).create('faults', ['write'])).secret}` }
  process.on('unhandledRejection', onCrash)
  process.on('uncaughtException', onCrash)
}, 60_000)

afterAll(async () => {
  process.off('unhandledRejection', onCrash)
  process.off('uncaughtException', onCrash)
  await app?.close()
  await pg?.remove()
})

const http = () => supertest(app.server)

function expectUnavailable (res: supertest.Response, what: string) {
  expect(res.status, `${what}: ${res.text}`).toBe(503)
  expect(res.headers['content-type'], what).toBe('application/problem+json; charset=utf-8')
  expect(res.headers['retry-after'], what).toBe('5')
  expect(res.body, what).toMatchObject({ type: '/problems/unavailable', status: 503 })
  expect(res.text, what).not.toMatch(/ECONN|127\.0\.0\.1|stack|postgres/i)
}

/** How many connections PostgreSQL holds for the app: at most the pool plus the change stream's listener. */
async function serverConnections () {
  const { rows: [row] } = await app.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')
  return row.n
}

describe('when PostgreSQL stops and starts again under a running app', () => {
  it('then reads and writes answer 503 at once, readiness fails, liveness stays, and the API recovers without a restart', async () => {
    const created = await http().post('/v1/actors').set(auth).send({ name: 'Before the outage', kind: 'other' })
    expect(created.status).toBe(201)
    const id = created.body.id as string
    expect((await http().get('/v1/actors')).status).toBe(200)
    expect(app.pool.idleCount, 'the pool holds idle connections when the server goes').toBeGreaterThan(0)

    // A live stream open across the outage must deliver changes made after it.
    const { rows: [{ last }] } = await app.pool.query('SELECT max(seq)::int AS last FROM changes')
    const stream = await fetch(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/v1/changes/stream?entity=actor&since=${last}`)
    const events = stream.body!.pipeThrough(new TextDecoderStream()).getReader()

    await pg.stop()
    // The server terminated the pool's idle connections: pg reports each on the pool, which drops it.
    for (let i = 0; i < 100 && app.pool.idleCount > 0; i++) await sleep(20)
    expect(app.pool.idleCount).toBe(0)
    expect(warnings, 'each lost idle connection is logged, not thrown').toContain('an idle database connection was lost')

    const calls: Array<[string, () => supertest.Test]> = [
      ['list actors', () => http().get('/v1/actors')],
      ['read actor', () => http().get(`/v1/actors/${id}`)],
      ['list incidents', () => http().get('/v1/incidents?type=airstrike&includeTotal=true')],
      ['timeline', () => http().get('/v1/timeline')],
      ['export', () => http().get('/v1/incidents?format=csv')],
      ['create actor', () => http().post('/v1/actors').set(auth).send({ name: 'During the outage', kind: 'other' })],
      ['patch actor', () => http().patch(`/v1/actors/${id}`).set(auth).send({ title: 'x' })],
      ['import', () => http().post('/v1/import').set(auth).type('application/x-ndjson').send('{"entity":"actor","data":{"name":"Imported","kind":"other"}}\n')]
    ]
    const latencies: number[] = []
    for (const [what, call] of calls) {
      const started = performance.now()
      const res = await call()
      latencies.push(performance.now() - started)
      expectUnavailable(res, what)
      if (what === 'list actors') expectMatchesSpec(res, 'GET', '/v1/actors')
    }
    // A burst must not pile up waiting for connections that cannot be made.
    const burstStarted = performance.now()
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => calls[i % calls.length][1]()))
    const burstMs = performance.now() - burstStarted
    for (const res of burst) expectUnavailable(res, 'burst')
    expect(Math.max(...latencies, burstMs)).toBeLessThan(defaultLimits.requestTimeoutMs)
    console.log(`[faults] while PostgreSQL is down: 503 in ${fmt(median(latencies))} ms median, ${fmt(Math.max(...latencies))} ms max; ` +
      `40 concurrent requests all 503 in ${fmt(burstMs)} ms`)

    const ready = await http().get('/readyz')
    expectMatchesSpec(ready, 'GET', '/readyz')
    expectUnavailable(ready, 'readyz')
    expect((await http().get('/healthz')).status).toBe(200)

    await pg.start()
    const upAt = performance.now()
    let recoveredAt: number | undefined
    while (recoveredAt === undefined && performance.now() - upAt < 15_000) {
      if ((await http().get(`/v1/actors/${id}`)).status === 200) recoveredAt = performance.now()
      else await sleep(10)
    }
    expect(recoveredAt, 'a read succeeds within 15 s of PostgreSQL accepting connections').toBeDefined()
    console.log(`[faults] recovery: first 200 read ${fmt(recoveredAt! - upAt)} ms after PostgreSQL accepted connections again`)

    expect((await http().get('/readyz')).status).toBe(200)
    const after = await http().post('/v1/actors').set(auth).send({ name: 'After the outage', kind: 'other' })
    expect(after.status).toBe(201)
    let seen = ''
    const deadline = Date.now() + 15_000
    while (!seen.includes(after.body.id) && Date.now() < deadline) {
      const next = await Promise.race([events.read(), sleep(deadline - Date.now()).then(() => ({ value: '' }))])
      seen += next.value ?? ''
    }
    expect(seen, 'the open change stream delivers a change made after the outage').toContain(after.body.id)
    await events.cancel()

    expect(app.pool.totalCount).toBeLessThanOrEqual(10)
    expect(app.pool.waitingCount).toBe(0)
    expect(await serverConnections()).toBeLessThanOrEqual(11)
    expect(crashes).toEqual([])
  }, 60_000)
})

describe('when PostgreSQL is killed while writes stream in', () => {
  it('then every acknowledged write is there afterwards and none that failed is half-written', async () => {
    const records: WriteRecord[] = []
    const stream = writeStream(app, auth, records)
    await stream.until(() => records.filter((r) => r.status < 300).length >= 30, 20_000)

    const killedAt = performance.now()
    await pg.kill()
    await stream.until(() => records.filter((r) => r.status === 503 && r.startedAt > killedAt).length >= 20, 10_000)
    await pg.start()
    const upAt = performance.now()
    await stream.until(() => records.filter((r) => r.status < 300 && r.startedAt > upAt).length >= 30, 20_000)
    await stream.stop()

    const byStatus = new Map<number, number>()
    for (const r of records) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1)
    console.log(`[faults] writes around a SIGKILL of PostgreSQL: ${records.length} requests, ` +
      [...byStatus].map(([status, n]) => `${status} × ${n}`).join(', '))
    for (const r of records) {
      expect([200, 201, 503], `${r.op} ${r.token}: ${r.status} ${JSON.stringify(r.body)}`).toContain(r.status)
      if (r.status === 503) expect(r.retryAfter, 'a 503 says when to retry').toBe('5')
    }
    const interrupted = records.filter((r) => r.startedAt < killedAt && r.endedAt > killedAt)
    expect(interrupted.length, 'the kill hit writes in flight').toBeGreaterThan(0)
    expect(interrupted.every((r) => r.status === 503 || r.status < 300)).toBe(true)

    const { inDoubt } = await verifyWrites(app, pg.url, records)
    console.log(`[faults] ${interrupted.length} writes were in flight at the kill; ` +
      `${inDoubt} answered 503 but had committed in full (the reply was lost with the connection)`)
    expect(crashes).toEqual([])
  }, 90_000)
})

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (ms: number) => ms.toFixed(1)
