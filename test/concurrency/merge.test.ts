import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'
import { check, countStatuses, parentCycles } from './checker.ts'

let t: TestContext

beforeAll(async () => {
  // Load shedding off: on a busy machine it would answer 503 before the writes meet (test/platform covers it).
  t = await createTestApp({ pressure: { maxEventLoopDelayMs: 0 } })
})

const merge = (id: string, into: string) => t.http().post(`/v1/actors/${id}/merge`).set(t.auth()).send({ into })
const clean = { lostWrites: [], brokenHistories: [], replayMismatches: [], rollUpMismatches: [], deadReferences: [], parentCycles: [] }

describe('POST /v1/actors/{id}/merge', () => {
  it('when the duplicate has members and earlier merges, then each of them gets a new version and a change, as every linked record does', async () => {
    const dup = await createActor(t, { name: 'Merge dup' })
    const survivor = await createActor(t, { name: 'Merge survivor' })
    const member = await createActor(t, { name: 'Merge member', parentId: dup.id })
    const earlier = await createActor(t, { name: 'Merge earlier' })
    await merge(earlier.id, dup.id).expect(200)
    const incident = await createIncident(t, { actors: [{ actorId: dup.id, role: 'perpetrator' }] })
    await addCasualtyReport(t, incident.id, { reportedById: dup.id, min: 2 })

    expect((await merge(dup.id, survivor.id)).status).toBe(200)
    expect((await t.http().get(`/v1/actors/${member.id}`)).body).toMatchObject({ parentId: survivor.id, version: 2 })
    expect((await t.app.db.actor.findUnique({ where: { id: earlier.id } }))).toMatchObject({ mergedIntoId: survivor.id, version: 3 })
    expect(await check(t.databaseUrl, t.app.db, [])).toEqual(clean)
  })

  it('when the survivor is a member of the duplicate (at any depth), then 409 and nothing changes', async () => {
    const top = await createActor(t, { name: 'Tree top' })
    const middle = await createActor(t, { name: 'Tree middle', parentId: top.id })
    const leaf = await createActor(t, { name: 'Tree leaf', parentId: middle.id })
    for (const below of [leaf, middle]) {
      const res = await merge(top.id, below.id)
      expect(res.status).toBe(409)
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
    }
    expect((await t.http().get(`/v1/actors/${top.id}`)).body).toMatchObject({ version: 1, mergedIntoId: null })
    expect(await parentCycles(t.databaseUrl)).toEqual([])
  })

  it('when a merge races 30 writes that name the duplicate, then no 500, and nothing live points at the duplicate', async () => {
    for (let round = 0; round < 2; round++) {
      const dup = await createActor(t, { name: `Race dup ${round}` })
      const survivor = await createActor(t, { name: `Race survivor ${round}` })
      const source = await createSource(t)
      const incidents = await Promise.all(Array.from({ length: 5 }, () => createIncident(t, { actors: [{ actorId: dup.id, role: 'perpetrator' }] })))
      const writes = Array.from({ length: 30 }, (_, n) => {
        switch (n % 3) {
          case 0: return t.http().post('/v1/incidents').set(t.auth())
            .send({ type: 'other', title: `Raced ${n}`, occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], actors: [{ actorId: dup.id, role: 'target' }] })
          case 1: return t.http().post(`/v1/incidents/${incidents[n % 5].id}/casualties`).set(t.auth())
            .send({ reportedById: dup.id, sourceIds: [source.id], category: n % 2 ? 'injured' : 'killed', min: n, qualifier: 'exact' })
          default: return t.http().post('/v1/statements').set(t.auth())
            .send({ speakerId: dup.id, kind: 'claim', summary: `Claim ${n}`, language: 'en', statedAt: '2025-01-02T00:00:00Z', incidentIds: [incidents[n % 5].id] })
        }
      })
      const results = await Promise.all([...writes.slice(0, 15), merge(dup.id, survivor.id), ...writes.slice(15)])
      const statuses = countStatuses(results)
      console.log(`merge race round ${round + 1}: ${JSON.stringify(statuses)}`)
      expect(Object.keys(statuses).filter((s) => Number(s) >= 500)).toEqual([])
      expect(results[15].status).toBe(200)
    }
    expect(await check(t.databaseUrl, t.app.db, [])).toEqual(clean)
  })
})
