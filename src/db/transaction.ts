import type { Db, Tx } from './client.ts'
import { isTransientConflict } from './errors.ts'
import { Problem } from '../http/problems.ts'
import { assertClaimHeld, entityIdOf, lockClaimSql, markAppliedSql, pendingClaim } from './idempotency.ts'
import { currentReadContext, noteWrittenSeq, onPrimary } from './replicas.ts'
import { POSITION_SQL } from './position.ts'

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
  const claim = pendingClaim()
  // A request with an Idempotency-Key: the key is checked and marked applied inside the write's own
  // transaction, so "applied" commits exactly with the write and a retry can never apply it twice.
  const write = !claim
    ? fn
    : async (tx: Tx) => {
      assertClaimHeld(claim, await tx.$queryRaw(lockClaimSql(claim)))
      const result = await fn(tx)
      await tx.$executeRaw(markAppliedSql(claim, { entityId: entityIdOf(result) }))
      return result
    }
  // A write in a request answers Sitrep-Seq: the change log's last position as the write sees it before
  // it commits, still holding the log's lock: the seq it appended last, or the current one if none.
  let position: bigint | undefined
  const positioned = currentReadContext() === undefined
    ? write
    : async (tx: Tx) => {
      const result = await write(tx)
      const [row] = await tx.$queryRawUnsafe<Array<{ seq: string }>>(POSITION_SQL)
      position = BigInt(row.seq)
      return result
    }
  for (let attempt = 0; ; attempt++) {
    try {
      // Writes and the reads inside them use the primary, whatever the request's read context.
      const result = await onPrimary(() => db.$transaction(positioned, { timeout: opts.timeoutMs ?? 15_000 }))
      if (claim) claim.applied = true
      if (position !== undefined) noteWrittenSeq(position)
      return result
    } catch (err) {
      if (!isTransientConflict(err)) throw err
      if (attempt >= transientRetries) {
        throw new Problem('unavailable', 'The write kept colliding with concurrent writes to the same records; nothing was written. Retry shortly.', {}, { 'retry-after': '1' })
      }
      await pause(attempt)
    }
  }
}
