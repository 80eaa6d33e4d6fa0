import { Prisma } from '../../generated/prisma/client.ts'
import type { Tx } from '../../db/client.ts'

export type Entity = 'actor' | 'source' | 'incident' | 'casualtyReport' | 'statement'

export interface ChangeInput {
  entity: Entity
  id: string
  action: 'created' | 'updated' | 'deleted'
  version: number
  before: object | null
  after: object | null
  keyName: string | null
}

export const CHANGE_CHANNEL = 'sitrep_changes'

// Held until commit: writers append to the log one transaction at a time, so `seq` order is commit
// order and a mirror reading "after seq N" can never miss a change committed later with a lower seq.
const LOG_LOCK = 74260001
/** The lock every writer of the log takes (recordChange does it; a caller of insertChangesSql sends it first). */
export const changeLogLockSql = Prisma.sql`SELECT pg_advisory_xact_lock(${LOG_LOCK})`

// Transactions that already hold the lock (it lasts until commit): one round trip per transaction.
const locked = new WeakSet<object>()

/** Called inside the write's own transaction, so a change is recorded exactly when the write commits. */
export async function recordChange (tx: Tx, c: ChangeInput) {
  if (!locked.has(tx)) {
    await tx.$executeRaw(changeLogLockSql)
    locked.add(tx)
  }
  // The same statement as a bulk import's, for a batch of one: the insert and its notification
  // (delivered at commit, and not at all on rollback, to every API process listening) in one round trip.
  await tx.$executeRaw(insertChangesSql([c]))
}

/**
 * Many changes at once (the bulk import), after changeLogLockSql in the same transaction: one INSERT
 * whose `seq`s follow the order given, and one notification carrying the last seq (listeners read
 * the log after their own last seq anyway).
 */
export function insertChangesSql (changes: ChangeInput[]): Prisma.Sql {
  const rows = JSON.stringify(changes.map((c, ord) =>
    ({ ord, entity: c.entity, id: c.id, action: c.action, version: c.version, before: c.before, after: c.after, keyName: c.keyName })))
  // `at` is taken under the lock, never earlier than the last entry's (clocks can step back), so
  // `at` order is `seq` order, i.e. commit order, and an asOf read sees a prefix of the log; one `at`
  // for all of a transaction's changes (the one its first change got), so it never sees half a
  // transaction. The column's default, now(), is the transaction's start: a transaction that
  // started first but committed last would be dated before changes it comes after.
  // jsonb_to_recordset: the snapshots are parsed once, into the jsonb they are stored as
  // (json_to_recordset parses the text, then each snapshot again into jsonb: ~15% more CPU on an import).
  return Prisma.sql`
    WITH stamp AS (
      SELECT coalesce((SELECT CASE WHEN xmin = pg_current_xact_id()::xid THEN at ELSE greatest(at, clock_timestamp()) END
        FROM changes ORDER BY seq DESC LIMIT 1), clock_timestamp()) AS at
    ), added AS (
      INSERT INTO changes (entity, entity_id, action, version, before, after, key_name, at)
      SELECT entity, id, action, version, before, after, "keyName", (SELECT at FROM stamp)
      FROM jsonb_to_recordset(${rows}::jsonb) AS x(ord int, entity text, id uuid, action "ChangeAction", version int, before jsonb, after jsonb, "keyName" text)
      ORDER BY ord
      RETURNING seq)
    SELECT pg_notify(${CHANGE_CHANNEL}, max(seq)::text) FROM added`
}
