import { beforeAll, describe, expect, it } from 'vitest'
import { createKeyRepository } from '../../src/modules/keys/repository.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'

describe('READ_REQUIRES_KEY=true', () => {
  let t: TestContext
  beforeAll(async () => {
    t = await createTestApp({ readRequiresKey: true })
  })

  it('when reading /v1 without a key, then 401; with a read key, then 200', async () => {
    const anonymous = await t.http().get('/v1/actors')
    expect(anonymous.status).toBe(401)
    expect(anonymous.body.type).toBe('/problems/unauthorized')
    expect((await t.http().get('/v1/actors').set(t.auth('read'))).status).toBe(200)
    expect((await t.http().get('/v1/sources').set(t.auth('write'))).status).toBe(200)
  })

  it('when reading health, docs, spec and problem pages, then no key is needed', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/openapi.yaml', '/docs/', '/problems/validation']) {
      expect((await t.http().get(path)).status, path).toBe(200)
    }
  })
})

describe('API keys', () => {
  let t: TestContext
  beforeAll(async () => {
    t = await createTestApp()
  })

  it('stores only a hash of the secret', async () => {
    const { secret } = await createKeyRepository(t.app.db).create('hash-check', ['read'])
    const row = await t.app.db.apiKey.findFirst({ where: { name: 'hash-check' } })
    expect(row!.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(row)).not.toContain(secret.slice('sitrep_'.length + 13))
  })

  it('when a key is revoked, then it stops working at once', async () => {
    const repo = createKeyRepository(t.app.db)
    const key = await repo.create('temporary', ['write'])
    const body = { name: 'Revocation test', kind: 'other' }
    expect((await t.http().post('/v1/actors').set('authorization', `Bearer ${key.secret}`).send(body)).status).toBe(201)
    expect(await repo.revoke(key.id)).toBe(true)
    const res = await t.http().post('/v1/actors').set('authorization', `Bearer ${key.secret}`).send({ ...body, name: 'Another' })
    expect(res.status).toBe(401)
  })

  it('when a key is given on a public read, then a bad key is still refused', async () => {
    const res = await t.http().get('/v1/actors').set('authorization', 'Bearer nonsense')
    expect(res.status).toBe(401)
  })

  it('when an admin key writes, then it is allowed', async () => {
    const res = await t.http().post('/v1/actors').set(t.auth('admin')).send({ name: 'Admin-made', kind: 'other' })
    expect(res.status).toBe(201)
  })
})
