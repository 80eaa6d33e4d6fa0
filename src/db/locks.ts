import { Prisma } from '../generated/prisma/client.ts'
import type { Tx } from './client.ts'

/** The table of each record kind that writers lock. */
export const tableOf = { incident: Prisma.sql`incidents`, actor: Prisma.sql`actors`, source: Prisma.sql`sources`, statement: Prisma.sql`statements`, casualtyReport: Prisma.sql`casualty_reports` }
export type Locked = keyof typeof tableOf

/**
 * The one order in which every writer takes its row locks (docs/architecture.md, "Lock order"):
 * table by table in this order, ids ascending within a table, the change log's advisory lock last.
 * Two writers that follow it can wait for each other but never deadlock.
 */
export const lockOrder: readonly Locked[] = ['statement', 'incident', 'casualtyReport', 'actor', 'source']

/**
 * Locks a live row for the rest of the transaction, so concurrent writers of one record (and of the
 * roll-up derived from its children) run one after the other. False when there is no live row.
 */
export async function lockLive (tx: Tx, table: Locked, id: string): Promise<boolean> {
  const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM ${tableOf[table]} WHERE id = ${id}::uuid AND deleted_at IS NULL FOR UPDATE`
  return rows.length === 1
}

/** Locks these live rows of one table for update, in id order; the ids of those that were live, sorted. */
export async function lockAllLive (tx: Tx, table: Locked, ids: Iterable<string>): Promise<string[]> {
  const sorted = [...new Set(ids)].sort()
  if (sorted.length === 0) return []
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text FROM ${tableOf[table]} WHERE id = ANY(${sorted}::uuid[]) AND deleted_at IS NULL ORDER BY id FOR UPDATE`
  return rows.map((r) => r.id)
}

/**
 * Serialises the writers of part_of relations, so two writers cannot each add half of a cycle
 * that neither sees (their rows need not overlap). Taken after every row lock and before the
 * change log's lock (docs/architecture.md, "Lock order").
 */
export const partOfLockSql = Prisma.sql`SELECT pg_advisory_xact_lock(74260002)`
