import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'

let t: TestContext
let mod: { id: string }
let pakistan: { id: string }
let ttp: { id: string }
let source: { id: string }

const incident = async (id: string) => (await t.http().get(`/v1/incidents/${id}`)).body

beforeAll(async () => {
  t = await createTestApp()
  mod = await createActor(t, { name: 'Afghan Ministry of Defence', kind: 'military' })
  pakistan = await createActor(t, { name: 'Pakistan', kind: 'state' })
  ttp = await createActor(t, { name: 'TTP', kind: 'armed_group' })
  source = await createSource(t)
})

describe('POST /v1/incidents/{id}/casualties', () => {
  it('when the Afghan defence ministry reports "at least three killed, including women and children", then it is stored as given and rolls up', async () => {
    const inc = await createIncident(t)
    const res = await t.http().post(`/v1/incidents/${inc.id}/casualties`).set(t.auth())
      .send({ reportedById: mod.id, sourceIds: [source.id], category: 'killed', min: 3, qualifier: 'at_least', groups: ['civilians', 'women', 'children'], reportedAt: '2025-10-10T07:00:00Z' })
    expectMatchesSpec(res, 'POST', `/v1/incidents/${inc.id}/casualties`)
    expect(res.status).toBe(201)
    expect(res.headers.location).toBe(`/v1/casualties/${res.body.id}`)
    expect(res.body).toMatchObject({ incidentId: inc.id, reportedById: mod.id, sourceIds: [source.id], category: 'killed', min: 3, max: null, qualifier: 'at_least', groups: ['civilians', 'women', 'children'], note: null, reportedAt: '2025-10-10T07:00:00.000Z', version: 1 })
    expect(await incident(inc.id)).toMatchObject({ fatalities: { low: 3, best: 3, high: 3 }, contested: false, version: 2 })
  })

  it('when a second reporter disagrees, then the roll-up widens and the incident is contested; injured reports do not count', async () => {
    const inc = await createIncident(t)
    await addCasualtyReport(t, inc.id, { reportedById: mod.id, min: 3, qualifier: 'at_least' })
    await addCasualtyReport(t, inc.id, { reportedById: pakistan.id, min: 0, max: 12, qualifier: 'at_most' })
    await addCasualtyReport(t, inc.id, { reportedById: ttp.id, min: 10, max: 20, qualifier: 'range' })
    await addCasualtyReport(t, inc.id, { reportedById: mod.id, category: 'injured', min: 500, qualifier: 'exact' })
    // points 3, 12, 15 -> best 12; low 0; high 20
    expect(await incident(inc.id)).toMatchObject({ fatalities: { low: 0, best: 12, high: 20 }, contested: true })
    const list = await t.http().get(`/v1/incidents/${inc.id}/casualties?includeTotal=true`)
    expectMatchesSpec(list, 'GET', `/v1/incidents/${inc.id}/casualties`)
    expect(list.body.data.map((r: { qualifier: string }) => r.qualifier)).toEqual(['at_least', 'at_most', 'range', 'exact'])
    expect(list.body.page.total).toBe(4)
  })

  it('when the same reporter reports the same category twice, then 409 names the first report', async () => {
    const inc = await createIncident(t)
    const first = await addCasualtyReport(t, inc.id, { reportedById: mod.id, min: 3 })
    const res = await t.http().post(`/v1/incidents/${inc.id}/casualties`).set(t.auth()).send({ reportedById: mod.id, category: 'killed', min: 4, qualifier: 'exact' })
    expectMatchesSpec(res, 'POST', `/v1/incidents/${inc.id}/casualties`)
    expect(res.status).toBe(409)
    expect(res.body.existing).toEqual({ id: first.id })
    const unattributed = await addCasualtyReport(t, inc.id, { min: 5 })
    const again = await t.http().post(`/v1/incidents/${inc.id}/casualties`).set(t.auth()).send({ category: 'killed', min: 6, qualifier: 'exact' })
    expect(again.status).toBe(409)
    expect(again.body.existing.id).toBe(unattributed.id)
  })

  it.each([
    [{ qualifier: 'range', min: 5 }, 'max', 'max is required with qualifier range'],
    [{ qualifier: 'range', min: 5, max: 4 }, 'max', 'max must be ≥ min'],
    [{ qualifier: 'at_most', min: 0 }, 'max', 'max is required with qualifier at_most'],
    [{ qualifier: 'exact', min: 5, max: 9 }, 'max', 'max is only given with qualifier range or at_most, not exact'],
    [{ qualifier: 'exact', min: -1 }, 'min', undefined],
    [{ qualifier: 'exact', min: 1.5 }, 'min', undefined],
    [{ qualifier: 'exact', min: 1, groups: ['aliens'] }, 'groups.0', undefined],
    [{ qualifier: 'exact', min: 1, category: 'dead' }, 'category', undefined],
    [{ qualifier: 'exact', min: 1, reportedById: '0199c9a8-0000-7000-8000-000000000002' }, 'reportedById', 'actor 0199c9a8-0000-7000-8000-000000000002 does not exist'],
    [{ qualifier: 'exact', min: 1, sourceIds: ['0199c9a8-0000-7000-8000-000000000003'] }, 'sourceIds.0', 'source 0199c9a8-0000-7000-8000-000000000003 does not exist']
  ])('when %o, then 400 on %s', async (body, path, message) => {
    const inc = await createIncident(t)
    const res = await t.http().post(`/v1/incidents/${inc.id}/casualties`).set(t.auth()).send({ category: 'killed', ...body })
    expect(res.status).toBe(400)
    expect(res.body.errors[0].path).toBe(path)
    if (message) expect(res.body.errors[0].message).toBe(message)
    expect((await incident(inc.id)).fatalities).toBeNull()
  })

  it('when the incident does not exist, then 404', async () => {
    const res = await t.http().post('/v1/incidents/0199c9a8-0000-7000-8000-000000000004/casualties').set(t.auth()).send({ category: 'killed', min: 1, qualifier: 'exact' })
    expect(res.status).toBe(404)
  })
})

describe('PATCH and DELETE /v1/casualties/{id}', () => {
  it('keeps the roll-up current through patch and delete, and contested flips back', async () => {
    const inc = await createIncident(t)
    const a = await addCasualtyReport(t, inc.id, { reportedById: mod.id, min: 3 })
    const b = await addCasualtyReport(t, inc.id, { reportedById: pakistan.id, min: 7 })
    expect(await incident(inc.id)).toMatchObject({ fatalities: { low: 3, best: 5, high: 7 }, contested: true })

    const patched = await t.http().patch(`/v1/casualties/${b.id}`).set(t.auth()).send({ min: 3 })
    expectMatchesSpec(patched, 'PATCH', `/v1/casualties/${b.id}`)
    expect(patched.body).toMatchObject({ min: 3, version: 2 })
    expect(await incident(inc.id)).toMatchObject({ fatalities: { low: 3, best: 3, high: 3 }, contested: false })

    const recategorised = await t.http().patch(`/v1/casualties/${a.id}`).set(t.auth()).send({ category: 'injured', note: 'wounded, not killed' })
    expect(recategorised.body).toMatchObject({ category: 'injured', note: 'wounded, not killed' })
    expect((await incident(inc.id)).fatalities).toEqual({ low: 3, best: 3, high: 3 })

    const deleted = await t.http().delete(`/v1/casualties/${b.id}`).set(t.auth())
    expectMatchesSpec(deleted, 'DELETE', `/v1/casualties/${b.id}`)
    expect(deleted.status).toBe(204)
    expect((await incident(inc.id)).fatalities).toBeNull()
    expect((await t.http().get(`/v1/casualties/${b.id}`)).status).toBe(404)
    expect((await t.http().get(`/v1/casualties/${a.id}`)).status).toBe(200)
  })

  it('when a patch breaks the qualifier rules or duplicates another report, then 400 or 409 and the roll-up is unchanged', async () => {
    const inc = await createIncident(t)
    await addCasualtyReport(t, inc.id, { reportedById: mod.id, min: 3 })
    const b = await addCasualtyReport(t, inc.id, { reportedById: pakistan.id, min: 3 })
    const bad = await t.http().patch(`/v1/casualties/${b.id}`).set(t.auth()).send({ qualifier: 'range' })
    expect(bad.status).toBe(400)
    const dup = await t.http().patch(`/v1/casualties/${b.id}`).set(t.auth()).send({ reportedById: mod.id })
    expect(dup.status).toBe(409)
    // the second identical figure changed nothing derived, so the incident stayed at version 2
    expect(await incident(inc.id)).toMatchObject({ fatalities: { low: 3, best: 3, high: 3 }, version: 2 })
  })

  it('when the incident is deleted, then its reports go with it and no longer block deleting the reporter', async () => {
    const reporter = await createActor(t, { name: 'Short-lived reporter' })
    const inc = await createIncident(t)
    const r = await addCasualtyReport(t, inc.id, { reportedById: reporter.id, min: 2 })
    const blocked = await t.http().delete(`/v1/actors/${reporter.id}`).set(t.auth())
    expect(blocked.status).toBe(409)
    expect(blocked.body.referrers).toEqual([{ entity: 'casualtyReport', id: r.id }])
    expect((await t.http().delete(`/v1/incidents/${inc.id}`).set(t.auth())).status).toBe(204)
    expect((await t.http().get(`/v1/casualties/${r.id}`)).status).toBe(404)
    expect((await t.http().delete(`/v1/actors/${reporter.id}`).set(t.auth())).status).toBe(204)
  })

  it('when two reports are written at once on one incident, then the roll-up counts both', async () => {
    const inc = await createIncident(t)
    const reporters = await Promise.all([1, 2, 3, 4].map((n) => createActor(t, { name: `Concurrent reporter ${n}` })))
    const results = await Promise.all(reporters.map((a, n) =>
      t.http().post(`/v1/incidents/${inc.id}/casualties`).set(t.auth()).send({ reportedById: a.id, category: 'killed', min: (n + 1) * 10, qualifier: 'exact' })))
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201])
    // points 10, 20, 30, 40 -> best 25 (the version depends on the order: a report can leave the roll-up unchanged)
    expect((await incident(inc.id)).fatalities).toEqual({ low: 10, best: 25, high: 40 })
  })
})
