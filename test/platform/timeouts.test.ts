import type { FastifyInstance } from 'fastify'
import supertest from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { createTestDatabase } from '../helpers/database.ts'
import { parseResponse, rawExchange } from '../helpers/raw-http.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

const portOf = (app: FastifyInstance) => (app.server.address() as { port: number }).port

describe('HTTP timeouts', () => {
  // Short limits, so that the cut-offs can be watched; the defaults are checked at the end.
  const limits = { requestTimeoutMs: 1000, connectionTimeoutMs: 600, keepAliveTimeoutMs: 1000 }
  let t: TestContext
  let port: number

  beforeAll(async () => {
    t = await createTestApp({ limits })
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    port = portOf(t.app)
  })

  it('when a client connects and sends nothing, then the connection is closed after the connection timeout', async () => {
    const { text, closedAfterMs } = await rawExchange(port, [], 5000)
    expect(closedAfterMs, 'closed by the server').toBeDefined()
    expect(closedAfterMs).toBeGreaterThanOrEqual(limits.connectionTimeoutMs - 50)
    expect(closedAfterMs).toBeLessThan(limits.connectionTimeoutMs + 2000)
    expect(text).toBe('')
  })

  it('when a client trickles its headers, then it gets 408 problem+json after the request timeout and is cut off', async () => {
    // A byte every 100 ms keeps the connection busy, so only the request timeout can end it (slowloris).
    const header = 'X-Slow: ' + 'a'.repeat(60)
    const chunks = [{ afterMs: 0, data: 'GET /v1/actors HTTP/1.1\r\nHost: x\r\n' }, ...[...header].map((c) => ({ afterMs: 100, data: c }))]
    const { text, closedAfterMs } = await rawExchange(port, chunks, 8000)
    expect(closedAfterMs, 'cut off before the client finished').toBeLessThan(chunks.length * 100)
    expect(closedAfterMs).toBeGreaterThanOrEqual(limits.requestTimeoutMs - 50)
    const res = parseResponse(text)
    expect(res.status).toBe(408)
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(res.headers.connection).toBe('close')
    expect(JSON.parse(res.body)).toEqual({
      type: '/problems/request-timeout',
      title: 'Request timeout',
      status: 408,
      detail: 'The request did not arrive in full within the time the server allows'
    })
  })

  it('when a client trickles its body, then it gets 408 problem+json after the request timeout', async () => {
    const body = JSON.stringify({ name: 'Slow body', kind: 'other' })
    const head = `POST /v1/actors HTTP/1.1\r\nHost: x\r\nAuthorization: ${t.auth().authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`
    const chunks = [{ afterMs: 0, data: head }, ...[...body].map((c) => ({ afterMs: 100, data: c }))]
    const { text, closedAfterMs } = await rawExchange(port, chunks, 8000)
    expect(closedAfterMs).toBeLessThan(chunks.length * 100)
    const res = parseResponse(text)
    expect(res.headers.connection).toBe('close')
    expectMatchesSpec({ ...res, body: JSON.parse(res.body) }, 'POST', '/v1/actors')
    expect(res.status).toBe(408)
    expect(JSON.parse(res.body)).toMatchObject({ type: '/problems/request-timeout', status: 408, instance: '/v1/actors' })
    expect((await t.http().get('/v1/actors?q=Slow body')).body.data).toEqual([])
  })

  it('when a keep-alive connection idles, then it serves requests until the keep-alive timeout, then closes', async () => {
    const get = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
    const { text, closedAfterMs } = await rawExchange(port, [{ afterMs: 0, data: get }, { afterMs: 300, data: get }], 5000)
    const responses = text.split('HTTP/1.1 ').slice(1)
    expect(responses.map((r) => r.slice(0, 3))).toEqual(['200', '200'])
    expect(responses[1]).toMatch(/keep-alive: timeout=1\r\n/i)
    expect(closedAfterMs).toBeGreaterThanOrEqual(300 + limits.keepAliveTimeoutMs - 50)
    expect(closedAfterMs).toBeLessThan(300 + limits.keepAliveTimeoutMs + 2000)
  })

  it('when nothing is configured, then the server runs with the documented timeouts', async () => {
    const defaults = await createTestApp()
    expect(defaults.app.server.requestTimeout).toBe(30_000)
    expect(defaults.app.server.timeout).toBe(30_000)
    expect(defaults.app.server.keepAliveTimeout).toBe(72_000)
    await defaults.app.listen({ port: 0, host: '127.0.0.1' })
    const { text } = await rawExchange(portOf(defaults.app), [{ afterMs: 0, data: 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' }], 200)
    expect(parseResponse(text).headers['keep-alive']).toBe('timeout=72')
    const { rows: [row] } = await defaults.app.pool.query('SHOW statement_timeout')
    expect(row.statement_timeout).toBe('15s')
  })
})

describe('statement timeout', () => {
  let app: FastifyInstance
  let drop: () => Promise<void>

  beforeAll(async () => {
    const database = await createTestDatabase()
    drop = database.drop
    app = await buildApp({ databaseUrl: database.url, logger: false, limits: { statementTimeoutMs: 200 } })
    // Stand-ins for a pathological filter, through both ways the code reaches PostgreSQL.
    app.get('/v1/slow-prisma', async () => app.db.$queryRaw`SELECT pg_sleep(5)`)
    app.get('/v1/slow-pool', async () => (await app.pool.query('SELECT pg_sleep(5)')).rows)
    // Outside /v1: no key lookup or rate-limit counter needs a connection before the handler does.
    app.get('/probe/transaction', async () => app.db.$transaction(async (tx) => tx.$queryRaw`SELECT 1 AS ok`))
    app.get('/probe/query', async () => (await app.pool.query('SELECT 1 AS ok')).rows)
    await app.ready()
  })
  afterAll(async () => {
    await app.close()
    await drop()
  })

  it('when a query runs past it, then PostgreSQL cancels it within the limit and the pool stays usable', async () => {
    const started = performance.now()
    const err = await app.pool.query('SELECT pg_sleep(5)').catch((e: Error & { code?: string }) => e)
    expect((err as { code?: string }).code).toBe('57014')
    expect(performance.now() - started).toBeLessThan(2000)
    const { rows } = await app.pool.query('SELECT 1 AS ok')
    expect(rows).toEqual([{ ok: 1 }])
    expect(app.pool.waitingCount).toBe(0)
  })

  it.each(['/v1/slow-prisma', '/v1/slow-pool'])('when %s runs past it, then 503 problem+json with Retry-After, not a 500', async (path) => {
    const started = performance.now()
    const res = await supertest(app.server).get(path)
    expect(performance.now() - started).toBeLessThan(2000)
    expect(res.status).toBe(503)
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(res.headers['retry-after']).toBe('5')
    expect(res.body).toMatchObject({ type: '/problems/unavailable', detail: 'The query ran longer than the server allows; narrow the filters or retry later' })
    expect(res.text).not.toMatch(/pg_sleep|57014|canceling/)
    // The app still answers real reads on the same pool.
    const list = await supertest(app.server).get('/v1/actors')
    expectMatchesSpec(list, 'GET', '/v1/actors')
    expect(list.status).toBe(200)
  })

  it('when every pool connection is taken, then a transaction or query that cannot get one answers 503, not a 500', async () => {
    const held = await Promise.all(Array.from({ length: 10 }, () => app.pool.connect()))
    try {
      for (const path of ['/probe/transaction', '/probe/query']) {
        const started = performance.now()
        const res = await supertest(app.server).get(path)
        // Prisma waits 2 s for a transaction's connection, the pool 3 s for a query's.
        expect(performance.now() - started, path).toBeLessThan(5000)
        expect(res.status, `${path}: ${res.text}`).toBe(503)
        expect(res.headers['retry-after']).toBe('5')
        expect(res.body).toMatchObject({ type: '/problems/unavailable' })
      }
    } finally {
      for (const client of held) client.release()
    }
    expect((await supertest(app.server).get('/probe/transaction')).status).toBe(200)
  })
})
