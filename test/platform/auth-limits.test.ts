import { randomBytes } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { uuidv7 } from 'uuidv7'
import { loadConfig } from '../../src/config.ts'
import { hashSecret } from '../../src/modules/keys/secrets.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` })
const guess = (prefix = randomBytes(6).toString('hex')) => `sitrep_${prefix}_${randomBytes(24).toString('base64url')}`

describe('failed authentication', () => {
  let t: TestContext
  beforeAll(async () => {
    t = await createTestApp({ authFailuresPerMinute: 3, unknownPrefixTtlMs: 300 })
  })

  it('when a client address sends bad keys past its budget, then 429 problem+json with Retry-After, whatever key it sends next', async () => {
    for (const bad of [guess(), 'not-a-key', guess()]) {
      expect((await t.http().get('/v1/actors').set(bearer(bad))).status).toBe(401)
    }
    const res = await t.http().get('/v1/actors').set(bearer(guess()))
    expectMatchesSpec(res, 'GET', '/v1/actors')
    expect(res.status).toBe(429)
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(res.body).toMatchObject({ type: '/problems/rate-limited', status: 429 })
    expect(res.body.detail).toMatch(/^This client address sent 3 requests with a bad API key within a minute; retry in \d+ s$/)
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    // The check runs before the lookup, so even a good key waits; reads without a key are not affected.
    expect((await t.http().get('/v1/actors').set(t.auth('read'))).status).toBe(429)
    expect((await t.http().get('/v1/actors')).status).toBe(200)
  })

  it('when a prefix no key has is tried, then it is remembered and refused without a lookup until it is forgotten', async () => {
    const t = await createTestApp({ unknownPrefixTtlMs: 300 })
    const prefix = randomBytes(6).toString('hex')
    const secret = guess(prefix)
    expect((await t.http().get('/v1/sources').set(bearer(secret))).status).toBe(401)
    // A key with that prefix appears behind the server's back: only a lookup could find it.
    await t.app.db.apiKey.create({ data: { id: uuidv7(), name: 'planted', prefix, hash: hashSecret(secret), scopes: ['read'] } })
    expect((await t.http().get('/v1/sources').set(bearer(secret))).status).toBe(401)
    await new Promise((resolve) => setTimeout(resolve, 350))
    expect((await t.http().get('/v1/sources').set(bearer(secret))).status).toBe(200)
  })
})

describe('behind a reverse proxy (TRUST_PROXY)', () => {
  it('when the proxy is trusted, then each forwarded client has its own budget', async () => {
    const t = await createTestApp({ rateLimitPerMinute: 2, trustProxy: ['127.0.0.1/32'] })
    const from = (client: string) => t.http().get('/v1/actors').set('x-forwarded-for', client)
    expect((await from('203.0.113.7')).status).toBe(200)
    expect((await from('203.0.113.7')).status).toBe(200)
    expect((await from('203.0.113.7')).status).toBe(429)
    expect((await from('203.0.113.8')).status).toBe(200)
  })

  it('when no proxy is trusted, then X-Forwarded-For is ignored and the socket address is counted', async () => {
    const t = await createTestApp({ rateLimitPerMinute: 2 })
    const from = (client: string) => t.http().get('/v1/actors').set('x-forwarded-for', client)
    expect((await from('203.0.113.7')).status).toBe(200)
    expect((await from('203.0.113.8')).status).toBe(200)
    expect((await from('203.0.113.9')).status).toBe(429)
  })

  it('when TRUST_PROXY is set, then it is a list of addresses or CIDRs; "trust everything" is refused', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8' }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8'])
    expect(loadConfig({}).trustProxy).toEqual([])
    for (const bad of ['*', 'true', '0.0.0.0/0x', '10.0.0.0/33', 'proxy.internal']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY/)
    }
  })
})
