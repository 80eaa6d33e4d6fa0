import { Prisma } from '../../generated/prisma/client.ts'
import { keysetPage, type SortSpec } from '../../db/keyset.ts'
import { rawRows, type Int8, type ListReader, type Reader } from '../../db/rows.ts'
import { notFound } from '../../http/problems.ts'
import type { ChangeView } from './schemas.ts'
import type { Entity } from './repository.ts'

interface ChangeRow { seq: Int8, entity: string, entityId: string, action: ChangeView['action'], version: number, at: Date, keyName: string | null, before: unknown, after: unknown }

const changeFields = Prisma.sql`c.seq, c.entity, c.entity_id::text AS "entityId", c.action, c.version, c.at`
const bySeq: SortSpec = { field: 'seq', desc: false, nullable: false, kind: 'number' }

/**
 * Changes in seq order after `after` (seq is unique: no tie-breaker). `limit` rows at most: the
 * callers already ask for one row more than a page, which keysetPage adds by itself.
 */
function changesPage (on: ListReader, select: Prisma.Sql, conditions: Prisma.Sql[], after: bigint, limit: number) {
  return keysetPage<ChangeRow>(on, {
    select,
    from: Prisma.sql`changes c`,
    column: Prisma.sql`c.seq`,
    id: null,
    spec: bySeq,
    after: { value: after.toString(), id: '' },
    conditions,
    limit: limit - 1
  })
}

const toChange = (r: ChangeRow): ChangeView =>
  ({ seq: Number(r.seq), entity: r.entity as ChangeView['entity'], id: r.entityId, action: r.action, version: r.version, at: r.at.toISOString() })

/** Changes after `since`, in seq order. */
export async function changesAfter (on: ListReader, since: bigint, limit: number, entities?: readonly string[]) {
  const conditions = entities ? [Prisma.sql`c.entity = ANY(${entities}::text[])`] : []
  const { rows } = await changesPage(on, changeFields, conditions, since, limit)
  return rows.map(toChange)
}

export async function revisionsOf (on: ListReader, entity: Entity, id: string, after: bigint, limit: number) {
  const { rows } = await changesPage(on, Prisma.sql`${changeFields}, c.key_name AS "keyName", c.before, c.after`,
    [Prisma.sql`c.entity = ${entity}`, Prisma.sql`c.entity_id = ${id}::uuid`], after, limit)
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
export async function recordAsOf<T> (on: Reader, entity: Entity, id: string, at: Date, what: string): Promise<T> {
  const [last] = await rawRows<{ action: ChangeView['action'], after: unknown }>(on, Prisma.sql`
    SELECT c.action, c.after FROM changes c WHERE c.entity = ${entity} AND c.entity_id = ${id}::uuid AND c.at <= ${at}
    ORDER BY c.seq DESC LIMIT 1`)
  if (!last || last.action === 'deleted' || last.after === null) throw notFound(what, `${id} as of ${at.toISOString()}`)
  return last.after as T
}
