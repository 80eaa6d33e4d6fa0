import { Prisma } from '../generated/prisma/client.ts'
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
