import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { droppablePool } from '../helpers/database.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { addCasualtyReport, createActor, createIncident } from '../factories/index.ts'

// Whose casualties (affectedActorId) and figures given only in words (qualifier unquantified).

let t: TestContext
let owner: pg.Pool
let mod: { id: string }
let civilians: { id: string }
let soldiers: { id: string }

const post = (incidentId: string, body: object) => t.http().post(`/v1/incidents/${incidentId}/casualties`).set(t.auth()).send(body)
const patch = (id: string, body: object) => t.http().patch(`/v1/casualties/${id}`).set(t.auth()).set('content-type', 'application/merge-patch+json').send(body)

beforeAll(async () => {
  t = await createTestApp()
  owner = droppablePool(t.ownerUrl, 1)
  mod = await createActor(t, { name: 'Afghan Ministry of Defence', kind: 'military' })
  civilians = await createActor(t, { name: 'Afghan civilians', kind: 'other' })
  soldiers = await createActor(t, { name: 'Afghan soldiers', kind: 'military' })
})
afterAll(() => owner.end())

describe('unquantified figures', () => {
  it('when a source says "multiple fatalities", then the phrase is stored with min 2, and the roll-up counts it as at least 2', async () => {
    const inc = await createIncident(t)
    const res = await post(inc.id, { category: 'killed', qualifier: 'unquantified', phrase: 'multiple', min: 2 })
    expectMatchesSpec(res, 'POST', `/v1/incidents/${inc.id}/casualties`)
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ qualifier: 'unquantified', phrase: 'multiple', min: 2, max: null, affectedActorId: null })
    expect((await t.http().get(`/v1/incidents/${inc.id}`)).body.fatalities).toEqual({ low: 2, best: 2, high: 2 })
    await addCasualtyReport(t, inc.id, { reportedById: mod.id, min: 3, qualifier: 'at_least' })
    expect((await t.http().get(`/v1/incidents/${inc.id}`)).body).toMatchObject({ fatalities: { low: 2, best: 2, high: 3 }, contested: true })
  })

  it('when the phrase is missing, too long, or given with another qualifier, or min is 0 or max given, then 400 names the field', async () => {
    const inc = await createIncident(t)
    const cases: Array<[object, string]> = [
      [{ qualifier: 'unquantified', min: 2 }, 'phrase'],
      [{ qualifier: 'unquantified', min: 2, phrase: 'x'.repeat(41) }, 'phrase'],
      [{ qualifier: 'exact', min: 2, phrase: 'two' }, 'phrase'],
      [{ qualifier: 'unquantified', min: 0, phrase: 'some' }, 'min'],
      [{ qualifier: 'unquantified', min: 2, max: 9, phrase: 'several' }, 'max']
    ]
    for (const [body, field] of cases) {
      const res = await post(inc.id, { category: 'killed', ...body })
      expectMatchesSpec(res, 'POST', `/v1/incidents/${inc.id}/casualties`)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field)
    }
    expect((await t.http().get(`/v1/incidents/${inc.id}/casualties`)).body.data).toEqual([])
  })

  it('when a patch changes the qualifier away from unquantified, then the phrase must be cleared in the same patch', async () => {
    const inc = await createIncident(t)
    const report = await addCasualtyReport(t, inc.id, { qualifier: 'unquantified', phrase: 'dozens', min: 24 })
    const kept = await patch(report.id, { qualifier: 'exact', min: 30 })
    expect(kept.status).toBe(400)
    expect(kept.body.errors[0].path).toBe('phrase')
    const cleared = await patch(report.id, { qualifier: 'exact', min: 30, phrase: null })
    expectMatchesSpec(cleared, 'PATCH', `/v1/casualties/${report.id}`)
    expect(cleared.status).toBe(200)
    expect(cleared.body).toMatchObject({ qualifier: 'exact', min: 30, phrase: null, version: 2 })
  })

  it('when a write bypasses the API, then the database refuses a phrase without unquantified and unquantified without phrase or with max', async () => {
    const inc = await createIncident(t)
    const insert = (qualifier: string, phrase: string | null, min: number, max: number | null) => owner.query(
      `INSERT INTO casualty_reports (id, incident_id, category, min, max, qualifier, phrase)
       VALUES (gen_random_uuid(), $1, 'injured', $2, $3, $4::"CasualtyQualifier", $5)`, [inc.id, min, max, qualifier, phrase])
    await expect(insert('exact', 'three', 3, null)).rejects.toThrow(/casualty_reports_phrase_only_unquantified/)
    await expect(insert('unquantified', null, 2, null)).rejects.toThrow(/casualty_reports_phrase_only_unquantified/)
    await expect(insert('unquantified', 'many', 2, 5)).rejects.toThrow(/casualty_reports_unquantified_bounds/)
    await expect(insert('unquantified', 'many', 0, null)).rejects.toThrow(/casualty_reports_unquantified_bounds/)
    await expect(insert('unquantified', ' ', 1, null)).rejects.toThrow(/casualty_reports_phrase_shape/)
  })
})

describe('whose casualties', () => {
  it('when one reporter gives figures for civilians and for soldiers, then both stand; a second for the same people is a 409', async () => {
    const inc = await createIncident(t)
    const a = await addCasualtyReport(t, inc.id, { reportedById: mod.id, affectedActorId: civilians.id, min: 3, qualifier: 'at_least' })
    const b = await addCasualtyReport(t, inc.id, { reportedById: mod.id, affectedActorId: soldiers.id, min: 5 })
    const unstated = await addCasualtyReport(t, inc.id, { reportedById: mod.id, min: 8 })
    expect([a.affectedActorId, b.affectedActorId, unstated.affectedActorId]).toEqual([civilians.id, soldiers.id, null])
    const again = await post(inc.id, { reportedById: mod.id, affectedActorId: civilians.id, category: 'killed', qualifier: 'exact', min: 4 })
    expectMatchesSpec(again, 'POST', `/v1/incidents/${inc.id}/casualties`)
    expect(again.status).toBe(409)
    expect(again.body.existing).toEqual({ id: a.id })
    // Moving a figure onto people already counted by the same reporter is the same conflict.
    const moved = await patch(b.id, { affectedActorId: civilians.id })
    expect(moved.status).toBe(409)
    expect(moved.body.existing).toEqual({ id: a.id })
  })

  it('when the affected actor does not exist, then 400 names affectedActorId', async () => {
    const inc = await createIncident(t)
    const res = await post(inc.id, { affectedActorId: '0190f3a4-7b2c-7d3e-8f40-00000000dead', category: 'killed', qualifier: 'exact', min: 1 })
    expect(res.status).toBe(400)
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'affectedActorId' })])
  })

  it('when the affected actor is deleted while a report counts its people, then 409 lists the report', async () => {
    const inc = await createIncident(t)
    const people = await createActor(t, { kind: 'other' })
    const report = await addCasualtyReport(t, inc.id, { affectedActorId: people.id, min: 1 })
    const res = await t.http().delete(`/v1/actors/${people.id}`).set(t.auth())
    expect(res.status).toBe(409)
    expect(res.body.referrers).toEqual([{ entity: 'casualtyReport', id: report.id }])
  })

  it('when the affected actor is merged into another, then the report counts the survivor\'s people, with a new version', async () => {
    const inc = await createIncident(t)
    const dup = await createActor(t, { kind: 'other' })
    const survivor = await createActor(t, { kind: 'other' })
    const report = await addCasualtyReport(t, inc.id, { reportedById: mod.id, affectedActorId: dup.id, min: 1 })
    expect((await t.http().post(`/v1/actors/${dup.id}/merge`).set(t.auth()).send({ into: survivor.id })).status).toBe(200)
    expect((await t.http().get(`/v1/casualties/${report.id}`)).body).toMatchObject({ affectedActorId: survivor.id, version: 2 })
  })

  it('when a merge would give two figures the same reporter, affected party and category, then 409 lists the duplicate\'s report', async () => {
    const inc = await createIncident(t)
    const dup = await createActor(t, { kind: 'other' })
    const survivor = await createActor(t, { kind: 'other' })
    const mine = await addCasualtyReport(t, inc.id, { reportedById: mod.id, affectedActorId: dup.id, min: 1 })
    await addCasualtyReport(t, inc.id, { reportedById: mod.id, affectedActorId: survivor.id, min: 2 })
    await addCasualtyReport(t, inc.id, { reportedById: mod.id, affectedActorId: civilians.id, min: 2 })
    const res = await t.http().post(`/v1/actors/${dup.id}/merge`).set(t.auth()).send({ into: survivor.id })
    expect(res.status).toBe(409)
    expect(res.body.referrers).toEqual([{ entity: 'casualtyReport', id: mine.id }])
  })
})
