import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { Prisma } from '../generated/prisma/client.ts'
import { keysetPage, orderedQuery, sortSpec, type After, type SortSpec } from '../db/keyset.ts'
import type { ListReader, RowOptions } from '../db/rows.ts'
import { inInstantRange, uuidSchema } from './list.ts'
import { validationProblem } from './problems.ts'

// Cursors are opaque to clients but must not be forgeable into odd SQL values: the payload is
// signed, and a cursor minted for one sort order is refused under another. The key is the
// process's: buildApp sets the one every API process shares (CURSOR_SECRET, or the random key
// stored in the database on first start, src/http/cursor-key.ts); until then a random one.
let cursorKey: string = randomBytes(32).toString('base64url')

/** Sets the key cursors are signed with, for this whole process. */
export function useCursorKey (key: string) {
  cursorKey = key
}

type CursorValue = string | number | null

function sign (payload: string) {
  return createHmac('sha256', cursorKey).update(payload).digest('base64url').slice(0, 22)
}

export function encodeCursor (sort: string, value: CursorValue, id: string): string {
  const payload = Buffer.from(JSON.stringify([sort, value, id])).toString('base64url')
  return `${payload}.${sign(payload)}`
}

const badCursor = () => validationProblem([{ in: 'query', path: 'cursor', message: 'malformed or tampered cursor' }])

export function decodeCursor (cursor: string, sort: string, spec: SortSpec, scope?: string): After & { value: Date | string | number | null } {
  const [payload, mac] = cursor.split('.')
  if (!payload || !mac) throw badCursor()
  const expected = Buffer.from(sign(payload))
  const given = Buffer.from(mac)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw badCursor()
  let parsed: unknown
  try { parsed = JSON.parse(Buffer.from(payload, 'base64url').toString()) } catch { throw badCursor() }
  if (!Array.isArray(parsed) || parsed.length !== 3 || typeof parsed[2] !== 'string') throw badCursor()
  // Read asOf a snapshot, a cursor is minted for `sort@seq`: it continues that snapshot and no other.
  if (parsed[0] !== (scope === undefined ? sort : `${sort}@${scope}`)) {
    const [issuedSort, issuedSeq] = String(parsed[0]).split('@')
    if (issuedSort === sort) {
      const message = issuedSeq === undefined
        ? 'cursor was issued without asOf; repeat the query without asOf or start without a cursor'
        : `cursor was issued for asOf=seq:${issuedSeq}; repeat that asOf or start without a cursor`
      throw validationProblem([{ in: 'query', path: 'cursor', message }])
    }
    throw validationProblem([{ in: 'query', path: 'cursor', message: `cursor was issued for sort=${issuedSort}; repeat that sort or start without a cursor` }])
  }
  // Whoever holds the signing key (an operator, a leaked CURSOR_SECRET) can still forge a cursor:
  // its values are checked as strictly as any other input before they reach SQL.
  const [, raw, id] = parsed as [string, unknown, string]
  if (!uuidSchema.safeParse(id).success) throw badCursor()
  if (raw === null) {
    if (!spec.nullable) throw badCursor()
    return { value: null, id }
  }
  if (spec.kind === 'date') {
    if (typeof raw !== 'string' || !isoInstant.test(raw)) throw badCursor()
    // Year 0000 matches the pattern and parses, but PostgreSQL has no year 0.
    const value = new Date(raw)
    if (Number.isNaN(value.getTime()) || !inInstantRange(value)) throw badCursor()
    return { value, id }
  }
  if (spec.kind === 'number' ? !Number.isSafeInteger(raw) : typeof raw !== 'string' || raw.includes('\u0000')) throw badCursor()
  return { value: raw as string | number, id }
}

/** The form Date.prototype.toISOString gives every cursor this API mints (a four-digit year). */
const isoInstant = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** The cursor after `row` in `spec` order: its sort field (a Date as its ISO form) and its id. */
export function cursorFor (spec: SortSpec, sort: string, row: Record<string, unknown>): string {
  const v = row[spec.field]
  const value = v instanceof Date ? v.toISOString() : (v as CursorValue) ?? null
  return encodeCursor(sort, value, String(row.id))
}

/** A list's table: what a page selects, its id column, and the column and kind of each `sort` field. */
export interface ListTable<Row> {
  select: Prisma.Sql
  from: Prisma.Sql
  id: Prisma.Sql
  sorts: Record<string, { column: Prisma.Sql, kind: SortSpec['kind'], nullable?: boolean, cursorValue?: (row: Row) => CursorValue }>
  /** how its rows are decoded (a date sort field may then arrive as its ISO string, which is its cursor value as it is) */
  rows?: RowOptions
}

export interface ListQuery { sort: string, cursor?: string, limit: number, includeTotal?: boolean }

/** A list read at a past position of the change log: the WITH clause of its tables then, and the position its cursors are bound to. */
export interface AsOfRead { with: Prisma.Sql, seq: string }

/**
 * One page of a list in its `sort` order after its signed cursor: limit + 1 rows, the exact total when
 * asked, and the cursor of a row. `select` stands in for the table's own when a caller reads less.
 * Read `asOf` a snapshot, its cursors name the snapshot's position, so a page never continues another.
 */
export async function listPage<Row extends { id: string }> (on: ListReader, table: ListTable<Row>, q: ListQuery,
  conditions: Prisma.Sql[], select: Prisma.Sql = table.select, asOf?: AsOfRead) {
  const spec = sortSpec(q.sort, table.sorts)
  const sort = table.sorts[spec.field]
  const after = q.cursor ? decodeCursor(q.cursor, q.sort, spec, asOf?.seq) : undefined
  const { rows, total } = await keysetPage<Row>(on, {
    select, from: table.from, column: sort.column, id: table.id, spec, after, conditions, limit: q.limit, includeTotal: q.includeTotal, with: asOf?.with, rows: table.rows
  })
  const scoped = asOf ? `${q.sort}@${asOf.seq}` : q.sort
  const cursorOf = (row: Row) => sort.cursorValue ? encodeCursor(scoped, sort.cursorValue(row), row.id) : cursorFor(spec, scoped, row as unknown as Record<string, unknown>)
  return { rows, total, cursorOf }
}

/** Every match of a list in its `sort` order, one text select per row or the given columns: an export's query. */
export function listAllSql<Row> (table: ListTable<Row>, sort: string, conditions: Prisma.Sql[], select: Prisma.Sql, withTables?: Prisma.Sql) {
  const spec = sortSpec(sort, table.sorts)
  const query = orderedQuery({ select, from: table.from, column: table.sorts[spec.field].column, id: table.id, spec, conditions })
  return withTables ? Prisma.sql`${withTables}${query}` : query
}
