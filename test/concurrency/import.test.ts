import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { createIncident } from '../factories/index.ts'

let t: TestContext

beforeAll(async () => {
  // Load shedding off: on a busy machine it would answer 503 before the writes meet (test/platform covers it).
  t = await createTestApp({ pressure: { maxEventLoopDelayMs: 0 } })
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('POST /v1/import against a writer that breaks the lock order', () => {
  it('when PostgreSQL rolls the import back as a deadlock, then 503 with Retry-After, as for every other write, and nothing is written', async () => {
    const [first, second] = [await createIncident(t), await createIncident(t)].sort((a, b) => (a.id < b.id ? -1 : 1))
    // A transaction that takes the incidents in the wrong order: the later id now, the earlier one once the import waits for it.
    const rogue = new pg.Client({ connectionString: t.databaseUrl })
    await rogue.connect()
    try {
      await rogue.query('BEGIN')
      await rogue.query('SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE', [second.id])
      const body = [first, second].map((i) => JSON.stringify({ entity: 'casualtyReport', data: { incidentId: i.id, category: 'killed', min: 1, qualifier: 'exact' } })).join('\n') + '\n'
      const answer = t.http().post('/v1/import').set(t.auth()).set('content-type', 'application/x-ndjson').send(body).then((res) => res)
      // The import holds the earlier incident and waits for the later one: then close the cycle.
      for (let waited = 0; ; waited += 20) {
        const { rows } = await rogue.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        if (rows.length > 0) break
        if (waited > 10_000) throw new Error('the import never waited for the lock')
        await sleep(20)
      }
      const rogueLock = rogue.query('SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE', [first.id]).catch((err: Error) => err)
      const res = await answer
      await rogueLock
      expect(res.status).toBe(503)
      expect(res.headers['retry-after']).toMatch(/^\d+$/)
      expect(res.body).toMatchObject({ status: 503 })
    } finally {
      await rogue.query('ROLLBACK').catch(() => {})
      await rogue.end()
    }
    const { body } = await t.http().get(`/v1/incidents/${first.id}/casualties`)
    expect(body.data).toEqual([])
  })
})
