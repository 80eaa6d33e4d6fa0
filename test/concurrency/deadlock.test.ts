import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { createIncident } from '../factories/index.ts'
import { transientRetries, writeTransaction } from '../../src/db/transaction.ts'
import type { Tx } from '../../src/db/client.ts'

// Issue 12 item 5 on a real database: PostgreSQL rolls one of two deadlocked transactions back
// (40P01) and writeTransaction runs it again; once its retries are spent, 503 with Retry-After.
let t: TestContext

beforeAll(async () => {
  t = await createTestApp()
})

/** Resolves once `count` parties have arrived. */
function barrier (count: number) {
  let arrived = 0
  let open: () => void
  const opened = new Promise<void>((resolve) => { open = resolve })
  return () => { if (++arrived === count) open(); return opened }
}

const lock = (tx: Tx, id: string) => tx.$queryRaw`SELECT 1 FROM incidents WHERE id = ${id}::uuid FOR UPDATE`
const bumpTitle = (tx: Tx, id: string, title: string) => tx.$executeRaw`UPDATE incidents SET title = ${title} WHERE id = ${id}::uuid`

describe('writeTransaction', () => {
  it('when two writes lock two rows in opposite orders and deadlock, then one is run again and both commit', async () => {
    const [a, b] = [await createIncident(t), await createIncident(t)]
    const bothHoldOne = barrier(2)
    const attempts = { ab: 0, ba: 0 }
    const write = (name: 'ab' | 'ba', first: string, second: string) => writeTransaction(t.app.db, async (tx) => {
      attempts[name]++
      await lock(tx, first)
      // Only the first attempts meet: a rerun takes both locks while the other side waits or is done.
      if (attempts[name] === 1) await bothHoldOne()
      await lock(tx, second)
      await bumpTitle(tx, second, `written by ${name}`)
      return name
    })
    expect(await Promise.all([write('ab', a.id, b.id), write('ba', b.id, a.id)])).toEqual(['ab', 'ba'])
    expect(attempts.ab + attempts.ba).toBe(3)
    const titles = (await t.app.db.incident.findMany({ where: { id: { in: [a.id, b.id] } } })).map((i) => i.title).sort()
    expect(titles).toEqual(['written by ab', 'written by ba'])
  })

  it('when every attempt is rolled back as a deadlock or a serialization failure, then it gives up after the retries with 503 and Retry-After', async () => {
    for (const code of ['deadlock_detected', 'serialization_failure']) {
      let attempts = 0
      const failing = writeTransaction(t.app.db, async (tx) => {
        attempts++
        await tx.$executeRawUnsafe(`DO $$ BEGIN RAISE EXCEPTION 'provoked' USING ERRCODE = '${code}'; END $$`)
      })
      await expect(failing).rejects.toMatchObject({ status: 503, type: 'unavailable', headers: { 'retry-after': expect.stringMatching(/^\d+$/) } })
      expect(attempts).toBe(1 + transientRetries)
    }
  })

  it('when the write fails for another reason, then it is not run again', async () => {
    let attempts = 0
    await expect(writeTransaction(t.app.db, async (tx) => {
      attempts++
      await tx.$executeRawUnsafe("DO $$ BEGIN RAISE EXCEPTION 'provoked' USING ERRCODE = 'check_violation'; END $$")
    })).rejects.toThrow()
    expect(attempts).toBe(1)
  })
})
