import pg from 'pg'
import { Prisma } from '../generated/prisma/client.ts'
import type { Db, DbOrTx } from './client.ts'

/** A model field's column name: occurredAt → occurred_at. */
export const snake = (name: string) => name.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)

/**
 * A select list that reads a table's columns under the Prisma model's field names
 * (`i.occurred_at AS "occurredAt"`), so a raw row has the shape of the model's type and one mapper
 * serves every read of the table.
 */
export function modelColumns (alias: string, fields: readonly string[]): Prisma.Sql {
  return Prisma.raw(fields.map((f) => (snake(f) === f ? `${alias}.${f}` : `${alias}.${snake(f)} AS "${f}"`)).join(', '))
}

/**
 * Where a query runs. Outside a transaction: the pg pool (or one client of it). Inside a write
 * transaction: the transaction, because what it reads must be read on its one connection, after its
 * own writes and under its locks. A Prisma client works too, for the callers that hold only that
 * (the key repository, shared with the CLI; the change hub).
 */
export type Reader = pg.Pool | pg.ClientBase | DbOrTx

/** A lists' reader: the rows and the count of a page may run side by side, so not one connection. */
export type ListReader = pg.Pool | Db

/** int8 as it arrives: pg gives a string, Prisma a bigint; read it with Number(). */
export type Int8 = string | bigint

/**
 * Runs a Prisma.sql query, the one way the code reads. On the pool it goes straight to pg: one round
 * trip with no ORM layer in between (issue 7 measured the ORM's query API at ~5x the CPU per row).
 * Unnamed statements, so PostgreSQL plans each with its parameters (a generic plan for a named
 * statement made list queries slower). On a Prisma client or transaction it is `$queryRaw`, which
 * sends the same text and values on that client's connection.
 */
export async function rawRows<T> (on: Reader, sql: Prisma.Sql, opts: RowOptions = {}): Promise<T[]> {
  if ('$queryRaw' in on) {
    const rows = await (on as Db).$queryRaw<T[]>(sql)
    return opts.isoTimestamps ? rows.map(isoDates) : rows
  }
  const query = { text: sql.text, values: sql.values as unknown[] }
  const result = await on.query(opts.isoTimestamps ? { ...query, types: isoTimestampTypes } : query)
  return result.rows as T[]
}

/** How rows are decoded. isoTimestamps: timestamptz columns arrive as their ISO 8601 strings (isoOfTimestamptz) rather than Dates. */
export interface RowOptions { isoTimestamps?: boolean }

const TIMESTAMPTZ = 1184
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => Date

/**
 * A timestamptz as the API prints it, Date.prototype.toISOString's form
 * (`2026-09-29T09:40:11.431Z`), from PostgreSQL's text. A UTC session answers
 * `2026-09-29 09:40:11.431+00` (0–6 fraction digits), which is rearranged as it is: a view that only
 * prints its timestamps then pays neither pg's Date parsing nor toISOString (together ~6% of the Node
 * CPU of a 50-row incident page). Any other form (another session time zone, BC, a five-digit year)
 * goes through Date as before. Digits past the millisecond are cut, as Date cuts them.
 */
export function isoOfTimestamptz (text: string): string {
  const n = text.length
  if ((n === 22 || (n >= 24 && n <= 29 && text[19] === '.')) && text[4] === '-' && text[10] === ' ' && text.endsWith('+00')) {
    const ms = n === 22 ? '000' : `${text.slice(20, n - 3)}00`.slice(0, 3)
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${ms}Z`
  }
  return parseTimestamptz(text).toISOString()
}

const isoTimestampTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === TIMESTAMPTZ && format !== 'binary' ? isoOfTimestamptz : pg.types.getTypeParser(oid, format))
} as pg.CustomTypesConfig

// Prisma's $queryRaw (a read inside a write's transaction) answers Dates: the same strings.
function isoDates<T> (row: T): T {
  const out = { ...row } as Record<string, unknown>
  for (const key in out) {
    const v = out[key]
    if (v instanceof Date) out[key] = v.toISOString()
  }
  return out as T
}

// Map.groupBy needs Node 21.
export function groupBy<K, V> (pairs: ReadonlyArray<readonly [K, V]>) {
  const groups = new Map<K, V[]>()
  for (const [k, v] of pairs) {
    const group = groups.get(k)
    if (group) group.push(v)
    else groups.set(k, [v])
  }
  return groups
}
