import type { Db, Tx } from '../plugins/database.ts'
import { isTransientConflict } from './errors.ts'
import { Problem } from '../http/problems.ts'

/** For updates and deletes: `expect` sees the current version under the row lock (If-Match) and may refuse. */
export interface ChangeOptions { expect?: (version: number) => void }

export interface WriteOptions {
  /** Prisma's interactive-transaction timeout (its default, 5 s, is too short for an actor merge). */
  timeoutMs?: number
}

/** How many times a write rolled back by a deadlock or serialization failure is run again. */
export const transientRetries = 4

const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt + Math.random() * 20))

/**
 * Every write of the API runs through here: one transaction, run again from the start when PostgreSQL
 * rolled it back as a deadlock or serialization failure (nothing of it was kept), and answered 503
 * with Retry-After once the retries are spent.
 */
export async function writeTransaction<T> (db: Db, fn: (tx: Tx) => Promise<T>, opts: WriteOptions = {}): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.$transaction(fn, { timeout: opts.timeoutMs ?? 15_000 })
    } catch (err) {
      if (!isTransientConflict(err)) throw err
      if (attempt >= transientRetries) {
        throw new Problem('unavailable', 'The write kept colliding with concurrent writes to the same records; nothing was written. Retry shortly.', {}, { 'retry-after': '1' })
      }
      await pause(attempt)
    }
  }
}
