import { Prisma } from '../generated/prisma/client.ts'
import { rawRows, type ListReader, type RowOptions } from './rows.ts'

/** A list's sort: the field, its direction, whether it may be null (nulls come last either way) and its kind. */
export interface SortSpec { field: string, desc: boolean, nullable: boolean, kind: 'date' | 'string' | 'number' }

export type SortFields = Record<string, { nullable?: boolean, kind: SortSpec['kind'] }>

/** The spec of a `sort` query value (`-name`: name, descending). */
export function sortSpec (sort: string, fields: SortFields): SortSpec {
  const desc = sort.startsWith('-')
  const field = desc ? sort.slice(1) : sort
  const def = fields[field]
  return { field, desc, nullable: def.nullable ?? false, kind: def.kind }
}

/** A decoded cursor: the last row's sort value and id. */
export interface After { value: unknown, id: string }

// Numbers compare as bigint, so no cursor value can overflow the cast (the index is used alike).
const casts = { date: Prisma.sql`::timestamptz`, number: Prisma.sql`::bigint`, string: Prisma.sql`::text` }

/**
 * "Rows after the cursor" in ORDER BY col dir NULLS LAST, id dir. With no id column the sort column
 * is unique (a change's seq) and the cursor's value alone says where the page starts.
 */
export function keysetSql (col: Prisma.Sql, id: Prisma.Sql | null, spec: SortSpec, cursor: After) {
  const cmp = spec.desc ? Prisma.sql`<` : Prisma.sql`>`
  if (id === null) return Prisma.sql`${col} ${cmp} ${cursor.value}${casts[spec.kind]}`
  if (cursor.value === null) return Prisma.sql`(${col} IS NULL AND ${id} ${cmp} ${cursor.id}::uuid)`
  const rest = spec.nullable ? Prisma.sql` OR ${col} IS NULL` : Prisma.empty
  return Prisma.sql`((${col}, ${id}) ${cmp} (${cursor.value}${casts[spec.kind]}, ${cursor.id}::uuid)${rest})`
}

export interface KeysetPage {
  /** the select list and FROM of the list, e.g. incidentRowSql and `incidents i` */
  select: Prisma.Sql
  from: Prisma.Sql
  /** the sort column and the id column, with the table's alias; no id column when the sort column is unique */
  column: Prisma.Sql
  id: Prisma.Sql | null
  spec: SortSpec
  /** the decoded cursor, if any */
  after?: After
  conditions: Prisma.Sql[]
  limit: number
  includeTotal?: boolean
  /** a WITH clause the page's queries start with (a snapshot's tables, src/modules/changes/snapshots.ts) */
  with?: Prisma.Sql
  /** how the page's rows are decoded */
  rows?: RowOptions
}

const where = (conditions: Prisma.Sql[]) => conditions.length === 0 ? Prisma.empty : Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`

/** Every match in the list's order, without a page: what an export streams. */
export function orderedQuery (p: Omit<KeysetPage, 'limit' | 'after'>): Prisma.Sql {
  const dir = p.spec.desc ? Prisma.sql`DESC` : Prisma.sql`ASC`
  const nulls = p.spec.nullable ? Prisma.sql` NULLS LAST` : Prisma.empty
  const tie = p.id === null ? Prisma.empty : Prisma.sql`, ${p.id} ${dir}`
  return Prisma.sql`SELECT ${p.select} FROM ${p.from} ${where(p.conditions)} ORDER BY ${p.column} ${dir}${nulls}${tie}`
}

/**
 * The query for one page: limit + 1 rows, the extra one saying there is a next page. The page's ids
 * are picked first, reading only what the filters and the order need (an index-only scan where an
 * index covers them), and then the page's rows are read by id: selecting whole rows while sorting
 * every match fetched each match's row (a bbox list of 7,605 matches: 52 ms, against 6.5 ms this way).
 */
export function keysetQuery (p: KeysetPage): Prisma.Sql {
  const conditions = p.after ? [...p.conditions, keysetSql(p.column, p.id, p.spec, p.after)] : p.conditions
  if (p.id === null) return Prisma.sql`${orderedQuery({ ...p, conditions })} LIMIT ${p.limit + 1}`
  const ids = Prisma.sql`${orderedQuery({ ...p, select: p.id, conditions })} LIMIT ${p.limit + 1}`
  return orderedQuery({ ...p, conditions: [Prisma.sql`${p.id} = ANY(ARRAY(${ids}))`] })
}

/** The exact count of all matches, cursor aside. */
export const keysetCount = (p: KeysetPage) => Prisma.sql`SELECT count(*)::int AS n FROM ${p.from} ${where(p.conditions)}`

/**
 * One page of a list in (column, id) order, nulls last: limit + 1 rows and, when asked, the exact
 * count of all matches, the two queries side by side.
 */
export async function keysetPage<T> (on: ListReader, p: KeysetPage): Promise<{ rows: T[], total: number | undefined }> {
  const prefix = (query: Prisma.Sql) => p.with ? Prisma.sql`${p.with}${query}` : query
  const [rows, total] = await Promise.all([
    rawRows<T>(on, prefix(keysetQuery(p)), p.rows),
    p.includeTotal ? rawRows<{ n: number }>(on, prefix(keysetCount(p))).then((r) => r[0].n) : undefined
  ])
  return { rows, total }
}
