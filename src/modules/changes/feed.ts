import { Prisma } from '../../generated/prisma/client.ts'
import type { DbOrTx } from '../../db/client.ts'
import { notFound } from '../../http/problems.ts'
import type { ChangeView } from './schemas.ts'
import type { Entity } from './repository.ts'

interface ChangeRow { seq: bigint, entity: string, entity_id: string, action: ChangeView['action'], version: number, at: Date }

const toChange = (r: ChangeRow): ChangeView =>
  ({ seq: Number(r.seq), entity: r.entity as ChangeView['entity'], id: r.entity_id, action: r.action, version: r.version, at: r.at.toISOString() })

/** Changes after `since`, in seq order. */
export async function changesAfter (db: DbOrTx, since: bigint, limit: number, entities?: readonly string[]) {
  const byEntity = entities ? Prisma.sql`AND entity = ANY(${entities}::text[])` : Prisma.empty
  const rows = await db.$queryRaw<ChangeRow[]>`
    SELECT seq, entity, entity_id::text, action, version, at FROM changes
    WHERE seq > ${since} ${byEntity} ORDER BY seq LIMIT ${limit}`
  return rows.map(toChange)
}

export async function revisionsOf (db: DbOrTx, entity: Entity, id: string, after: bigint, limit: number) {
  const rows = await db.change.findMany({ where: { entity, entityId: id, seq: { gt: after } }, orderBy: { seq: 'asc' }, take: limit })
  return rows.map((r) => ({
    seq: Number(r.seq),
    action: r.action,
    version: r.version,
    at: r.at.toISOString(),
    by: r.keyName,
    before: r.before as Record<string, unknown> | null,
    after: r.after as Record<string, unknown> | null
  }))
}

/**
 * The record as it stood at `at`, from its change log; 404 if it did not exist (or was deleted) then.
 * Picked by seq: `at` rises with seq (insertChangesSql), so the changes at or before `at` are a prefix
 * of the log, and the record's last one among them is what a mirror replaying the log had then.
 */
export async function recordAsOf<T> (db: DbOrTx, entity: Entity, id: string, at: Date, what: string): Promise<T> {
  const last = await db.change.findFirst({ where: { entity, entityId: id, at: { lte: at } }, orderBy: { seq: 'desc' } })
  if (!last || last.action === 'deleted' || last.after === null) throw notFound(what, `${id} as of ${at.toISOString()}`)
  return last.after as T
}
