import { Prisma } from '../generated/prisma/client.ts'
import type { Tx } from '../plugins/database.ts'

const tables = { incident: Prisma.sql`incidents`, actor: Prisma.sql`actors`, source: Prisma.sql`sources`, statement: Prisma.sql`statements`, casualtyReport: Prisma.sql`casualty_reports` }

/**
 * Locks a live row for the rest of the transaction, so concurrent writers of one record (and of the
 * roll-up derived from its children) run one after the other. False when there is no live row.
 */
export async function lockLive (tx: Tx, table: keyof typeof tables, id: string): Promise<boolean> {
  const rows = await tx.$queryRaw<unknown[]>`SELECT 1 FROM ${tables[table]} WHERE id = ${id}::uuid AND deleted_at IS NULL FOR UPDATE`
  return rows.length === 1
}
