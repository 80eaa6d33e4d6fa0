import type pg from 'pg'
import { Prisma } from '../generated/prisma/client.ts'
import { rawRows } from './rows.ts'
import type { SortSpec } from '../http/list.ts'

/**
 * Raw-SQL "rows after the cursor" for ORDER BY col dir NULLS LAST, id dir: the same keyset as
 * keysetAfter in src/http/list.ts, for lists whose filters need SQL Prisma cannot express.
 * Numbers compare as bigint, so no cursor value can overflow the cast (the index is used alike).
 */
export function keysetSql (col: Prisma.Sql, id: Prisma.Sql, spec: SortSpec, cursor: { value: unknown, id: string }) {
  const cmp = spec.desc ? Prisma.sql`<` : Prisma.sql`>`
  if (cursor.value === null) return Prisma.sql`(${col} IS NULL AND ${id} ${cmp} ${cursor.id}::uuid)`
  const value = spec.kind === 'date' ? Prisma.sql`${cursor.value}::timestamptz` : Prisma.sql`${cursor.value}::bigint`
  const rest = spec.nullable ? Prisma.sql` OR ${col} IS NULL` : Prisma.empty
  return Prisma.sql`((${col}, ${id}) ${cmp} (${value}, ${cursor.id}::uuid)${rest})`
}

export interface KeysetPage {
  /** the select list and FROM of the list, e.g. incidentRowSql and `incidents i` */
  select: Prisma.Sql
  from: Prisma.Sql
  /** the sort column and the id column, with the table's alias */
  column: Prisma.Sql
  id: Prisma.Sql
  spec: SortSpec
  /** the decoded cursor, if any */
  after?: { value: unknown, id: string }
  conditions: Prisma.Sql[]
  limit: number
  includeTotal?: boolean
}

/**
 * One page of a raw-SQL list in (column, id) order, nulls last: limit + 1 rows (the extra one says
 * there is a next page) and, when asked, the exact count of all matches, the two queries side by side.
 */
export async function keysetPage<T> (pool: pg.Pool, p: KeysetPage): Promise<{ rows: T[], total: number | undefined }> {
  const where = (conditions: Prisma.Sql[]) => Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`
  const filtered = p.after ? [...p.conditions, keysetSql(p.column, p.id, p.spec, p.after)] : p.conditions
  const dir = p.spec.desc ? Prisma.sql`DESC` : Prisma.sql`ASC`
  const nulls = p.spec.nullable ? Prisma.sql`NULLS LAST` : Prisma.empty
  const [rows, total] = await Promise.all([
    rawRows<T>(pool, Prisma.sql`SELECT ${p.select} FROM ${p.from} ${where(filtered)} ORDER BY ${p.column} ${dir} ${nulls}, ${p.id} ${dir} LIMIT ${p.limit + 1}`),
    p.includeTotal
      ? rawRows<{ n: number }>(pool, Prisma.sql`SELECT count(*)::int AS n FROM ${p.from} ${where(p.conditions)}`).then((r) => r[0].n)
      : undefined
  ])
  return { rows, total }
}
