import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor, createIncident } from '../factories/index.ts'

let t: TestContext
beforeAll(async () => {
  t = await createTestApp()
})

describe('ETag and If-None-Match', () => {
  it('gives a strong ETag equal to the version, and 304 for a current If-None-Match', async () => {
    const actor = await createActor(t, { name: 'Etag actor' })
    const first = await t.http().get(`/v1/actors/${actor.id}`)
    expect(first.headers.etag).toBe('"1"')
    const again = await t.http().get(`/v1/actors/${actor.id}`).set('if-none-match', '"1"')
    expectMatchesSpec(again, 'GET', `/v1/actors/${actor.id}`)
    expect(again.status).toBe(304)
    expect(again.text).toBe('')
    await t.http().patch(`/v1/actors/${actor.id}`).set(t.auth()).send({ description: 'changed' }).expect(200)
    const changed = await t.http().get(`/v1/actors/${actor.id}`).set('if-none-match', '"1"')
    expect(changed.status).toBe(200)
    expect(changed.headers.etag).toBe('"2"')
  })

  it('adds a body hash when related records are expanded, and changes it when they change', async () => {
    const actor = await createActor(t, { name: 'Expanded actor' })
    const incident = await createIncident(t, { actors: [{ actorId: actor.id, role: 'perpetrator' }] })
    const expanded = await t.http().get(`/v1/incidents/${incident.id}?include=actors`)
    expect(expanded.headers.etag).toMatch(/^"1\.[0-9a-f]{10}"$/)
    await t.http().patch(`/v1/actors/${actor.id}`).set(t.auth()).send({ name: 'Renamed actor' }).expect(200)
    const after = await t.http().get(`/v1/incidents/${incident.id}?include=actors`).set('if-none-match', expanded.headers.etag)
    expect(after.status).toBe(200)
    expect(after.headers.etag).not.toBe(expanded.headers.etag)
  })
})

describe('If-Match', () => {
  it('when two editors patch from the same version, then the second gets 412 and nothing is overwritten', async () => {
    const incident = await createIncident(t, { title: 'Original title' })
    const tag = (await t.http().get(`/v1/incidents/${incident.id}`)).headers.etag
    const first = await t.http().patch(`/v1/incidents/${incident.id}`).set(t.auth()).set('if-match', tag).send({ title: 'Editor one' })
    expect(first.status).toBe(200)
    expect(first.headers.etag).toBe('"2"')
    const second = await t.http().patch(`/v1/incidents/${incident.id}`).set(t.auth()).set('if-match', tag).send({ title: 'Editor two' })
    expectMatchesSpec(second, 'PATCH', `/v1/incidents/${incident.id}`)
    expect(second.status).toBe(412)
    expect(second.body.type).toBe('/problems/precondition-failed')
    expect((await t.http().get(`/v1/incidents/${incident.id}`)).body.title).toBe('Editor one')
  })

  it('accepts the expanded-read ETag of the current version, * and no header; refuses weak tags', async () => {
    const actor = await createActor(t, { name: 'If-Match actor' })
    const incident = await createIncident(t, { actors: [{ actorId: actor.id, role: 'target' }] })
    const expandedTag = (await t.http().get(`/v1/incidents/${incident.id}?include=actors`)).headers.etag
    expect((await t.http().patch(`/v1/incidents/${incident.id}`).set(t.auth()).set('if-match', expandedTag).send({ status: 'confirmed' })).status).toBe(200)
    expect((await t.http().patch(`/v1/incidents/${incident.id}`).set(t.auth()).set('if-match', '*').send({ status: 'disputed' })).status).toBe(200)
    expect((await t.http().patch(`/v1/incidents/${incident.id}`).set(t.auth()).set('if-match', 'W/"3"').send({ status: 'denied' })).status).toBe(412)
    expect((await t.http().patch(`/v1/incidents/${incident.id}`).set(t.auth()).send({ status: 'denied' })).status).toBe(200)
  })

  it('guards DELETE too', async () => {
    const actor = await createActor(t, { name: 'Delete guarded' })
    const stale = await t.http().delete(`/v1/actors/${actor.id}`).set(t.auth()).set('if-match', '"7"')
    expect(stale.status).toBe(412)
    expect((await t.http().delete(`/v1/actors/${actor.id}`).set(t.auth()).set('if-match', '"1"')).status).toBe(204)
  })
})
