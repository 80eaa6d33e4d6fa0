import { afterAll, describe, expect, it } from 'vitest'
import supertest from 'supertest'
import { buildApp } from '../../src/app.ts'
import { createTestApp } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

describe('health and readiness', () => {
  it('when the database is migrated, then /healthz and /readyz are 200', async () => {
    const t = await createTestApp()
    const health = await t.http().get('/healthz')
    expectMatchesSpec(health, 'GET', '/healthz')
    expect(health.body).toEqual({ status: 'ok' })
    const ready = await t.http().get('/readyz')
    expectMatchesSpec(ready, 'GET', '/readyz')
    expect(ready.body).toEqual({ status: 'ready' })
  })
})

describe('when the database is unreachable', () => {
  // Port 1 on loopback refuses connections at once.
  const appPromise = buildApp({ databaseUrl: 'postgresql://postgres@127.0.0.1:1/none', logger: false })
  afterAll(async () => (await appPromise).close())

  it('then reads and writes answer 503 problem+json with Retry-After, and liveness stays up', async () => {
    const app = await appPromise
    await app.ready()
    const http = () => supertest(app.server)
    const read = await http().get('/v1/actors')
    expectMatchesSpec(read, 'GET', '/v1/actors')
    expect(read.status).toBe(503)
    expect(read.headers['retry-after']).toBe('5')
    expect(read.body).toMatchObject({ type: '/problems/unavailable', status: 503 })
    expect(JSON.stringify(read.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/)
    const write = await http().post('/v1/actors').set('authorization', 'Bearer sitrep_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').send({ name: 'X', kind: 'other' })
    expect(write.status).toBe(503)
    const ready = await http().get('/readyz')
    expectMatchesSpec(ready, 'GET', '/readyz')
    expect(ready.status).toBe(503)
    expect((await http().get('/healthz')).status).toBe(200)
  })
})
