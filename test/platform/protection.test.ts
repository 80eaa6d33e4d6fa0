import supertest from 'supertest'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildApp, type AppOptions } from '../../src/app.ts'
import { createKeyRepository } from '../../src/modules/keys/repository.ts'
import { deleteExpiredRateLimits, postgresRateLimitStore } from '../../src/plugins/rate-limit-store.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { onCI } from '../helpers/ci.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

/** A second API process on the same database, as in a deployment with several instances. */
async function sibling (t: TestContext, options: Partial<AppOptions> = {}) {
  const app = await buildApp({ databaseUrl: t.databaseUrl, logger: false, ...options })
  await app.ready()
  afterAll(() => app.close())
  return { app, http: () => supertest(app.server) }
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` })

describe('rate limiting (PostgreSQL counters)', () => {
  let t: TestContext
  beforeAll(async () => {
    t = await createTestApp({ rateLimitPerMinute: 3 })
  })

  it('when a client spends its budget, then the next request is 429 problem+json with Retry-After and RateLimit-* headers', async () => {
    for (const remaining of ['2', '1', '0']) {
      const ok = await t.http().get('/v1/actors')
      expect(ok.status).toBe(200)
      expect(ok.headers['ratelimit-limit']).toBe('3')
      expect(ok.headers['ratelimit-remaining']).toBe(remaining)
      expect(Number(ok.headers['ratelimit-reset'])).toBeGreaterThan(0)
    }
    const res = await t.http().get('/v1/actors')
    expectMatchesSpec(res, 'GET', '/v1/actors')
    expect(res.status).toBe(429)
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(res.body).toMatchObject({ type: '/problems/rate-limited', title: 'Too many requests', status: 429, instance: '/v1/actors' })
    expect(res.body.detail).toMatch(/^The budget of 3 requests per minute for this client address is spent; retry in \d+ s$/)
    const retryAfter = Number(res.headers['retry-after'])
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(res.headers['ratelimit-limit']).toBe('3')
    expect(res.headers['ratelimit-remaining']).toBe('0')
    expect(res.headers['ratelimit-reset']).toBe(String(retryAfter))
  })

  it('when the client address is spent, then an API key still has a budget of its own', async () => {
    const { secret } = await createKeyRepository(t.app.db).create('own budget', ['read'])
    for (let i = 0; i < 3; i++) expect((await t.http().get('/v1/sources').set(bearer(secret))).status).toBe(200)
    const res = await t.http().get('/v1/sources').set(bearer(secret))
    expect(res.status).toBe(429)
    expect(res.body.detail).toMatch(/for this API key/)
  })

  it('when the budget is spent, then health, readiness, docs, spec, problem pages and metrics still answer, unlimited', async () => {
    expect((await t.http().get('/v1/actors')).status).toBe(429)
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs/', '/problems/rate-limited', '/metrics']) {
      const res = await t.http().get(path)
      expect(res.status, path).toBe(200)
      expect(res.headers['ratelimit-limit'], path).toBeUndefined()
    }
  })

  it('when two API processes share the database, then they share the counter', async () => {
    const other = await sibling(t, { rateLimitPerMinute: 3 })
    const key = bearer(t.keys.write)
    expect((await t.http().get('/v1/actors').set(key)).headers['ratelimit-remaining']).toBe('2')
    expect((await t.http().get('/v1/actors').set(key)).headers['ratelimit-remaining']).toBe('1')
    const third = await other.http().get('/v1/actors').set(key)
    expect(third.status).toBe(200)
    expect(third.headers['ratelimit-remaining']).toBe('0')
    const fourth = await other.http().get('/v1/actors').set(key)
    expect(fourth.status).toBe(429)
    expect((await t.http().get('/v1/actors').set(key)).status).toBe(429)
  })

  it('when a window ends, then the count starts again, and expired rows are swept', async () => {
    const Store = postgresRateLimitStore(t.app.pool)
    const store = new Store({})
    const incr = (key: string, windowMs: number) => new Promise<{ current: number, ttl: number }>((resolve, reject) =>
      store.incr(key, (err, res) => (err ? reject(err) : resolve(res!)), windowMs, 3))
    expect((await incr('test:window', 150)).current).toBe(1)
    const second = await incr('test:window', 150)
    expect(second.current).toBe(2)
    expect(second.ttl).toBeLessThanOrEqual(150)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await incr('test:window', 60_000)).toMatchObject({ current: 1, ttl: expect.any(Number) })
    await incr('test:expired', 1)
    await new Promise((resolve) => setTimeout(resolve, 20))
    await deleteExpiredRateLimits(t.app.pool)
    const { rows } = await t.app.pool.query("SELECT key FROM rate_limits WHERE key LIKE 'test:%'")
    expect(rows).toEqual([{ key: 'test:window' }])
  })

  it('when requests for one key arrive together, then each is counted once, in order', async () => {
    const store = new (postgresRateLimitStore(t.app.pool))({})
    const incr = () => new Promise<number>((resolve, reject) =>
      store.incr('test:burst', (err, res) => (err ? reject(err) : resolve(res!.current)), 60_000, 3))
    const counts = await Promise.all(Array.from({ length: 25 }, incr))
    expect(counts).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
    const { rows } = await t.app.pool.query("SELECT count FROM rate_limits WHERE key = 'test:burst'")
    expect(rows).toEqual([{ count: 25 }])
  })
  it('when the budget is large, then a process leases blocks of max/100 counts and never lets more than the budget through', async () => {
    const a = new (postgresRateLimitStore(t.app.pool))({})
    const b = new (postgresRateLimitStore(t.app.pool))({})
    const incr = (store: typeof a, max: number) => new Promise<number>((resolve, reject) =>
      store.incr('test:lease', (err, res) => (err ? reject(err) : resolve(res!.current)), 60_000, max))
    // 1,000 a minute: blocks of 10. The first call reserves 1-10, the other process 11-20.
    const first = await Promise.all(Array.from({ length: 4 }, () => incr(a, 1000)))
    expect(first).toEqual([1, 2, 3, 4])
    expect(await incr(b, 1000)).toBe(11)
    const { rows } = await t.app.pool.query("SELECT count FROM rate_limits WHERE key = 'test:lease'")
    expect(rows).toEqual([{ count: 20 }])
    // a's lease goes on where it stopped, without a round trip, then reserves 21-30.
    const rest = await Promise.all(Array.from({ length: 8 }, () => incr(a, 1000)))
    expect(rest).toEqual([5, 6, 7, 8, 9, 10, 21, 22])
    // Over the whole budget, the numbers handed out are distinct and none is skipped past the total.
    const all = await Promise.all(Array.from({ length: 1000 }, (_, i) => incr(i % 2 ? a : b, 1000)))
    expect(new Set(all).size).toBe(1000)
    const { rows: [{ count }] } = await t.app.pool.query("SELECT count FROM rate_limits WHERE key = 'test:lease'")
    expect(Math.max(...all)).toBeLessThanOrEqual(count)
    expect(count - 1000 - 13).toBeLessThanOrEqual(2 * 10)
  })
})

// Needs a Redis at TEST_REDIS_URL (.ci/run sets it when one answers on 127.0.0.1:6379). Without it
// the test is skipped on a developer's machine and fails under CI=true.
const redisUrl = process.env.TEST_REDIS_URL || undefined
describe.runIf(redisUrl !== undefined || onCI)('rate limiting with REDIS_URL', () => {
  it('when two API processes share Redis, then they share the counter', async () => {
    if (redisUrl === undefined) throw new Error('CI is set and TEST_REDIS_URL is not: this test needs a Redis (e.g. TEST_REDIS_URL=redis://127.0.0.1:6379)')
    const t = await createTestApp({ rateLimitPerMinute: 2, redisUrl })
    const other = await sibling(t, { rateLimitPerMinute: 2, redisUrl })
    const key = bearer(t.keys.read)
    expect((await t.http().get('/v1/actors').set(key)).headers['ratelimit-remaining']).toBe('1')
    expect((await other.http().get('/v1/actors').set(key)).headers['ratelimit-remaining']).toBe('0')
    const res = await t.http().get('/v1/actors').set(key)
    expect(res.status).toBe(429)
    expect(res.body.type).toBe('/problems/rate-limited')
    const { rows } = await t.app.pool.query('SELECT count(*)::int AS n FROM rate_limits')
    expect(rows[0].n).toBe(0)
  })
})

describe('security headers', () => {
  let t: TestContext
  beforeAll(async () => {
    t = await createTestApp()
  })

  it('when the API answers JSON (or a problem), then helmet\'s headers and a CSP that allows nothing are set', async () => {
    for (const res of [await t.http().get('/v1/actors'), await t.http().post('/v1/actors').send({})]) {
      expect(res.headers['content-security-policy']).toBe("default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'")
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN')
      expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+/)
      expect(res.headers['referrer-policy']).toBe('no-referrer')
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin')
    }
  })

  it('when /docs is served, then it carries one CSP that lets swagger-ui load its own assets, and the other headers', async () => {
    const res = await t.http().get('/docs/')
    expect(res.status).toBe(200)
    const csp = res.headers['content-security-policy']
    expect(typeof csp).toBe('string')
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
    expect(csp).toContain("img-src 'self' data:")
    expect(csp).not.toContain('upgrade-insecure-requests')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    const script = await t.http().get('/docs/static/swagger-initializer.js')
    expect(script.headers['content-security-policy']).toBe(csp)
  })
})

describe('CORS', () => {
  let t: TestContext
  beforeAll(async () => {
    t = await createTestApp({ corsOrigins: ['https://news.example', 'https://maps.example'] })
  })

  it('when an allowed origin calls, then it is echoed and the API\'s headers are exposed', async () => {
    const res = await t.http().get('/v1/actors').set('origin', 'https://maps.example')
    expect(res.status).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBe('https://maps.example')
    expect(res.headers.vary).toMatch(/Origin/)
    expect(res.headers['access-control-expose-headers']).toBe('ETag, Link, Location, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-Request-Id')
    expect(res.headers['access-control-allow-credentials']).toBeUndefined()
  })

  it('when another origin calls, then no CORS header is sent', async () => {
    const res = await t.http().get('/v1/actors').set('origin', 'https://evil.example')
    expect(res.status).toBe(200)
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('when an allowed origin sends a preflight for an authenticated write, then 204 allows it', async () => {
    const res = await t.http().options('/v1/actors')
      .set('origin', 'https://news.example')
      .set('access-control-request-method', 'PATCH')
      .set('access-control-request-headers', 'authorization,content-type,if-match')
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('https://news.example')
    expect(res.headers['access-control-allow-methods']).toBe('GET, HEAD, POST, PATCH, DELETE')
    expect(res.headers['access-control-allow-headers']).toBe('authorization,content-type,if-match')
    expect(res.headers['access-control-max-age']).toBe('600')
  })

  it('when a request is refused, then the browser may still read the problem', async () => {
    const res = await t.http().post('/v1/actors').set('origin', 'https://news.example').send({ name: 'x', kind: 'other' })
    expect(res.status).toBe(401)
    expect(res.headers['access-control-allow-origin']).toBe('https://news.example')
  })

  it('when CORS_ORIGINS is *, then any origin may read; when unset, no CORS header at all', async () => {
    const any = await sibling(t, { corsOrigins: ['*'] })
    expect((await any.http().get('/v1/actors').set('origin', 'https://anywhere.example')).headers['access-control-allow-origin']).toBe('*')
    const none = await sibling(t)
    const res = await none.http().get('/v1/actors').set('origin', 'https://news.example')
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    const preflight = await none.http().options('/v1/actors').set('origin', 'https://news.example').set('access-control-request-method', 'POST')
    expect(preflight.status).toBe(404)
  })
})

describe('load shedding', () => {
  it('when the process stays over a threshold, then /v1 answers 503 problem+json with Retry-After; liveness and metrics stay up', async () => {
    const t = await createTestApp({ pressure: { maxEventLoopDelayMs: 0, maxHeapUsedBytes: 1, sampleIntervalMs: 10 } })
    await vi.waitFor(async () => expect((await t.http().get('/v1/actors')).status).toBe(503), { timeout: 5000, interval: 50 })
    const res = await t.http().get('/v1/actors')
    expectMatchesSpec(res, 'GET', '/v1/actors')
    expect(res.status).toBe(503)
    expect(res.headers['retry-after']).toBe('10')
    expect(res.body).toMatchObject({ type: '/problems/unavailable', status: 503 })
    expect(res.body.detail).toMatch(/^The server is overloaded \(heap \d+ MiB\); retry in 10 s$/)
    expect((await t.http().get('/healthz')).status).toBe(200)
    expect((await t.http().get('/metrics')).status).toBe(200)
  })
})

describe('GET /metrics', () => {
  let t: TestContext
  beforeAll(async () => {
    t = await createTestApp()
  })

  it('counts requests and their duration by route pattern and status, never by raw URL', async () => {
    const id = '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a10'
    expect((await t.http().get('/v1/actors')).status).toBe(200)
    expect((await t.http().get(`/v1/actors/${id}`)).status).toBe(404)
    const res = await t.http().get('/metrics')
    expectMatchesSpec(res, 'GET', '/metrics')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(res.text).toContain('# TYPE http_request_duration_seconds histogram')
    expect(res.text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/v1\/actors",status_code="200"\} 1$/m)
    expect(res.text).toMatch(/^http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/v1\/actors",status_code="200"\} 1$/m)
    expect(res.text).toMatch(/^http_requests_total\{method="GET",route="\/v1\/actors\/:id",status_code="404"\} 1$/m)
    expect(res.text).not.toContain(id)
  })

  it('reports the database pool and the event-loop lag on each scrape', async () => {
    const res = await t.http().get('/metrics')
    expect(res.text).toMatch(/^db_pool_connections\{state="in_use"\} \d+$/m)
    expect(res.text).toMatch(/^db_pool_connections\{state="idle"\} [1-9]\d*$/m)
    expect(res.text).toMatch(/^db_pool_waiting_requests \d+$/m)
    expect(res.text).toMatch(/^nodejs_eventloop_lag_seconds [\d.e-]+$/m)
  })

  it('keeps one registry per app, so apps in one process count apart', async () => {
    // The same budget as the test app's: processes sharing a database share their rate-limit counters.
    const other = await sibling(t, { rateLimitPerMinute: 1e6 })
    await other.http().get('/v1/sources')
    const mine = await t.http().get('/metrics')
    expect(mine.text).not.toMatch(/route="\/v1\/sources"/)
    expect((await other.http().get('/metrics')).text).toMatch(/^http_requests_total\{method="GET",route="\/v1\/sources",status_code="200"\} 1$/m)
  })
})
