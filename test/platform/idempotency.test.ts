import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'

let t: TestContext
beforeAll(async () => {
  t = await createTestApp()
})

const post = (key: string, body: object) => t.http().post('/v1/actors').set(t.auth()).set('idempotency-key', key).send(body)

describe('Idempotency-Key', () => {
  it('when a POST is retried with the same key and body, then the first response is replayed and one record exists', async () => {
    const first = await post('create-1', { name: 'Idempotent actor', kind: 'other' })
    expect(first.status).toBe(201)
    const replay = await post('create-1', { name: 'Idempotent actor', kind: 'other' })
    expect(replay.status).toBe(201)
    expect(replay.body).toEqual(first.body)
    expect(replay.headers.location).toBe(first.headers.location)
    expect(replay.headers['idempotent-replayed']).toBe('true')
    expect(await t.app.db.actor.count({ where: { name: 'Idempotent actor' } })).toBe(1)
  })

  it('when the same key comes with another body, then 409', async () => {
    await post('create-2', { name: 'Keyed actor', kind: 'other' }).expect(201)
    const other = await post('create-2', { name: 'Another actor', kind: 'other' })
    expect(other.status).toBe(409)
    expect(other.body.detail).toContain('different request')
  })

  it('when two requests with one key arrive at once, then one record is created', async () => {
    const body = { name: 'Concurrent idempotent', kind: 'other' }
    const results = await Promise.all([post('create-3', body), post('create-3', body), post('create-3', body)])
    const statuses = results.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1)
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true)
    expect(await t.app.db.actor.count({ where: { name: 'Concurrent idempotent' } })).toBe(1)
  })

  it('replays a 4xx answer too, and keys are per API key', async () => {
    const bad = await post('bad-1', { name: 'x', kind: 'wizard' })
    expect(bad.status).toBe(400)
    const otherKey = await t.http().post('/v1/actors').set(t.auth('admin')).set('idempotency-key', 'create-1').send({ name: 'Admin keyed', kind: 'other' })
    expect(otherKey.status).toBe(201)
  })
})
