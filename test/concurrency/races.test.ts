import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { addCasualtyReport, createActor, createIncident, createSource } from '../factories/index.ts'
import { countStatuses, liveReferencesToDeadActors } from './checker.ts'

// Each race of issue 12, measured from outside before the fix; run through the real app and database.
let t: TestContext

beforeAll(async () => {
  // Load shedding off: on a busy machine it would answer 503 before the writes meet (test/platform covers it).
  t = await createTestApp({ pressure: { maxEventLoopDelayMs: 0 } })
})

const patch = (path: string, body: object, etag?: string) => {
  const req = t.http().patch(path).set(t.auth()).set('content-type', 'application/merge-patch+json')
  return (etag ? req.set('if-match', etag) : req).send(body)
}

describe('concurrent writers of one record', () => {
  it('when 20 editors PATCH one casualty report with the same If-Match, then exactly one wins and 19 get 412', async () => {
    const incident = await createIncident(t)
    const report = await addCasualtyReport(t, incident.id, { min: 1 })
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => patch(`/v1/casualties/${report.id}`, { min: 10 + n }, '"1"')))
    const statuses = countStatuses(results)
    expect(statuses).toEqual({ 200: 1, 412: 19 })
    const winner = results.find((r) => r.status === 200)!
    expect((await t.http().get(`/v1/casualties/${report.id}`)).body).toMatchObject({ min: winner.body.min, version: 2 })
  })

  it('when two editors change different fields of one casualty report at once, then both changes are kept', async () => {
    for (let round = 0; round < 5; round++) {
      const incident = await createIncident(t)
      const report = await addCasualtyReport(t, incident.id, { min: 1 })
      const [a, b] = await Promise.all([patch(`/v1/casualties/${report.id}`, { note: 'checked' }), patch(`/v1/casualties/${report.id}`, { min: 7 })])
      expect([a.status, b.status]).toEqual([200, 200])
      expect((await t.http().get(`/v1/casualties/${report.id}`)).body).toMatchObject({ note: 'checked', min: 7, version: 3 })
      expect((await t.http().get(`/v1/incidents/${incident.id}`)).body.fatalities).toEqual({ low: 7, best: 7, high: 7 })
    }
  })
})

describe('references checked under lock', () => {
  it('when an actor is deleted while 10 incidents naming it are created, then no live incident points at a deleted actor', async () => {
    for (let round = 0; round < 3; round++) {
      const actor = await createActor(t)
      const posts = Array.from({ length: 10 }, () => t.http().post('/v1/incidents').set(t.auth())
        .send({ type: 'other', title: 'Raced', occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], actors: [{ actorId: actor.id, role: 'perpetrator' }] }))
      // The delete goes out first, in the middle, or last.
      const at = round * 5
      const results = await Promise.all([...posts.slice(0, at), t.http().delete(`/v1/actors/${actor.id}`).set(t.auth()), ...posts.slice(at)])
      const [deleted] = results.splice(at, 1)
      console.log(`delete racing 10 incidents naming the actor, round ${round + 1}: DELETE ${deleted.status}, POSTs ${JSON.stringify(countStatuses(results))}`)
      expect(results.filter((r) => r.status >= 500)).toEqual([])
      expect(await liveReferencesToDeadActors(t.databaseUrl)).toEqual([])
    }
  })

  it('when a source is deleted while casualty reports citing it are created, then no live report cites a deleted source', async () => {
    const incident = await createIncident(t)
    const source = await createSource(t)
    const reporters = await Promise.all(Array.from({ length: 8 }, () => createActor(t)))
    await Promise.all([
      t.http().delete(`/v1/sources/${source.id}`).set(t.auth()),
      ...reporters.map((a) => t.http().post(`/v1/incidents/${incident.id}/casualties`).set(t.auth())
        .send({ reportedById: a.id, sourceIds: [source.id], category: 'killed', min: 1, qualifier: 'exact' }))
    ])
    const { rows } = await query(`SELECT count(*)::int AS n FROM casualty_report_sources x JOIN casualty_reports c ON c.id = x.casualty_report_id
      JOIN sources s ON s.id = x.source_id WHERE c.deleted_at IS NULL AND s.deleted_at IS NOT NULL`)
    expect(rows[0].n).toBe(0)
  })
})

async function query (sql: string, values: unknown[] = []) {
  const pg = (await import('pg')).default
  const client = new pg.Client({ connectionString: t.databaseUrl })
  await client.connect()
  try {
    return await client.query(sql, values)
  } finally {
    await client.end()
  }
}
