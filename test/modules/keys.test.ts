import { Writable } from 'node:stream'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

let t: TestContext

const secretFormat = /^sitrep_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/

async function createKey (body: object) {
  const res = await t.http().post('/v1/keys').set(t.auth('admin')).send(body)
  expectMatchesSpec(res, 'POST', '/v1/keys')
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body as { id: string, name: string, scopes: string[], createdAt: string, secret: string }
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` })
/** The random part of a secret (after `sitrep_<prefix>_`; it may itself contain `_`). */
const randomPart = (secret: string) => secret.slice('sitrep_0123456789ab_'.length)

beforeAll(async () => {
  t = await createTestApp()
})

describe('POST /v1/keys', () => {
  it('when an admin creates a key, then 201 answers it with its secret, once, uncacheable', async () => {
    const res = await t.http().post('/v1/keys').set(t.auth('admin')).send({ name: 'maps desk', scopes: ['read', 'write'] })
    expectMatchesSpec(res, 'POST', '/v1/keys')
    expect(res.status).toBe(201)
    expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'id', 'name', 'scopes', 'secret'])
    expect(res.body).toMatchObject({ name: 'maps desk', scopes: ['read', 'write'] })
    expect(res.body.secret).toMatch(secretFormat)
    expect(Date.parse(res.body.createdAt)).toBeGreaterThan(Date.now() - 60_000)
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it('when the new secret is sent as Bearer, then it writes with its scopes', async () => {
    const key = await createKey({ name: 'writer', scopes: ['write'] })
    const res = await t.http().post('/v1/actors').set(bearer(key.secret)).send({ name: 'Made by a new key', kind: 'other' })
    expect(res.status).toBe(201)
    const keys = await t.http().get('/v1/keys').set(bearer(key.secret))
    expect(keys.status).toBe(403)
  })

  it.each([
    [{ name: 'x', scopes: ['root'] }, 'scopes.0'],
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: '  ', scopes: ['read'] }, 'name'],
    [{ name: 'x', scopes: ['read'], secret: 'mine' }, 'secret']
  ])('when the body is %o, then 400 names %s', async (body, path) => {
    const res = await t.http().post('/v1/keys').set(t.auth('admin')).send(body)
    expectMatchesSpec(res, 'POST', '/v1/keys')
    expect(res.status).toBe(400)
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path)
  })

  it('when an Idempotency-Key is sent, then it is ignored and no answer (with its secret) is stored', async () => {
    const body = { name: 'retried', scopes: ['read'] }
    const first = await t.http().post('/v1/keys').set(t.auth('admin')).set('idempotency-key', 'key-create-1').send(body)
    const second = await t.http().post('/v1/keys').set(t.auth('admin')).set('idempotency-key', 'key-create-1').send(body)
    expect([first.status, second.status]).toEqual([201, 201])
    expect(second.body.id).not.toBe(first.body.id)
    const stored = await t.app.pool.query('SELECT body::text FROM idempotency_records')
    expect(JSON.stringify(stored.rows)).not.toContain(first.body.secret)
  })
})

describe('GET /v1/keys', () => {
  it('lists every key with its scopes and never a secret or hash', async () => {
    const key = await createKey({ name: 'listed', scopes: ['read'] })
    const res = await t.http().get('/v1/keys?limit=500').set(t.auth('admin'))
    expectMatchesSpec(res, 'GET', '/v1/keys')
    expect(res.status).toBe(200)
    expect(res.body.data).toContainEqual({ id: key.id, name: 'listed', scopes: ['read'], createdAt: key.createdAt, revokedAt: null })
    for (const item of res.body.data) expect(Object.keys(item).sort()).toEqual(['createdAt', 'id', 'name', 'revokedAt', 'scopes'])
    expect(res.text).not.toContain(randomPart(key.secret))
    expect(res.text).not.toContain(randomPart(t.keys.admin))
    expect(res.text).not.toMatch(/[0-9a-f]{64}/)
  })

  it('pages by cursor with a Link header', async () => {
    const all = (await t.http().get('/v1/keys?limit=500&sort=name').set(t.auth('admin'))).body.data
    const first = await t.http().get('/v1/keys?limit=2&sort=name').set(t.auth('admin'))
    expect(first.body.data).toEqual(all.slice(0, 2))
    expect(first.headers.link).toMatch(/rel="next"/)
    const second = await t.http().get(`/v1/keys?limit=2&sort=name&cursor=${first.body.page.nextCursor}`).set(t.auth('admin'))
    expectMatchesSpec(second, 'GET', '/v1/keys')
    expect(second.body.data).toEqual(all.slice(2, 4))
  })

  it.each(['read', 'write'] as const)('when the key has scope %s only, then 403', async (scope) => {
    const res = await t.http().get('/v1/keys').set(t.auth(scope))
    expectMatchesSpec(res, 'GET', '/v1/keys')
    expect(res.status).toBe(403)
    expect(res.body.type).toBe('/problems/forbidden')
  })

  it('when no key is sent, then 401', async () => {
    const res = await t.http().get('/v1/keys')
    expectMatchesSpec(res, 'GET', '/v1/keys')
    expect(res.status).toBe(401)
  })
})

describe('DELETE /v1/keys/{id}', () => {
  it('when a key is revoked, then 204, it stops working at once and the list shows when', async () => {
    const key = await createKey({ name: 'short-lived', scopes: ['write'] })
    expect((await t.http().get('/v1/actors').set(bearer(key.secret))).status).toBe(200)

    const res = await t.http().delete(`/v1/keys/${key.id}`).set(t.auth('admin'))
    expectMatchesSpec(res, 'DELETE', `/v1/keys/${key.id}`)
    expect(res.status).toBe(204)

    const after = await t.http().post('/v1/actors').set(bearer(key.secret)).send({ name: 'Too late', kind: 'other' })
    expect(after.status).toBe(401)
    expect(after.body.type).toBe('/problems/unauthorized')
    const revoked = await t.http().get('/v1/keys?revoked=true').set(t.auth('admin'))
    expect(revoked.body.data).toEqual([expect.objectContaining({ id: key.id, revokedAt: expect.any(String) })])
    const working = await t.http().get('/v1/keys?revoked=false&limit=500').set(t.auth('admin'))
    expect(working.body.data.map((k: { id: string }) => k.id)).not.toContain(key.id)
  })

  it('when the key is already revoked or unknown, then 404', async () => {
    const key = await createKey({ name: 'twice', scopes: ['read'] })
    expect((await t.http().delete(`/v1/keys/${key.id}`).set(t.auth('admin'))).status).toBe(204)
    const again = await t.http().delete(`/v1/keys/${key.id}`).set(t.auth('admin'))
    expectMatchesSpec(again, 'DELETE', `/v1/keys/${key.id}`)
    expect(again.status).toBe(404)
    expect(again.body.type).toBe('/problems/not-found')
    const unknown = await t.http().delete('/v1/keys/0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a10').set(t.auth('admin'))
    expect(unknown.status).toBe(404)
  })

  it('when a write key tries, then 403 and the key still works', async () => {
    const key = await createKey({ name: 'kept', scopes: ['read'] })
    const res = await t.http().delete(`/v1/keys/${key.id}`).set(t.auth('write'))
    expectMatchesSpec(res, 'DELETE', `/v1/keys/${key.id}`)
    expect(res.status).toBe(403)
    expect((await t.http().get('/v1/actors').set(bearer(key.secret))).status).toBe(200)
  })

  it('when a write key tries to create a key, then 403', async () => {
    const res = await t.http().post('/v1/keys').set(t.auth('write')).send({ name: 'escalation', scopes: ['admin'] })
    expectMatchesSpec(res, 'POST', '/v1/keys')
    expect(res.status).toBe(403)
  })
})

describe('logs', () => {
  it('when keys are created and used, then neither secrets nor Authorization headers reach the log, even at trace level', async () => {
    let log = ''
    const stream = new Writable({ write (chunk, _encoding, done) { log += String(chunk); done() } })
    const logged = await createTestApp({ logger: { level: 'trace', stream } })
    const created = await logged.http().post('/v1/keys').set(logged.auth('admin')).send({ name: 'logged', scopes: ['write'] })
    expect(created.status).toBe(201)
    await logged.http().post('/v1/actors').set(bearer(created.body.secret)).send({ name: 'Logged actor', kind: 'other' })
    await logged.http().get('/v1/keys').set(bearer(created.body.secret))
    await logged.http().get('/v1/actors').set('authorization', 'Bearer sitrep_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
    expect(log).toContain('"url":"/v1/keys"')
    for (const secret of [created.body.secret, logged.keys.admin, 'sitrep_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      expect(log).not.toContain(randomPart(secret))
    }
    expect(log.toLowerCase()).not.toContain('bearer')
  })
})
