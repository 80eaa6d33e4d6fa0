import type pg from 'pg'
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
export async function rawRows<T> (on: Reader, sql: Prisma.Sql): Promise<T[]> {
  if ('$queryRaw' in on) return (on as Db).$queryRaw<T[]>(sql)
  const result = await on.query({ text: sql.text, values: sql.values as unknown[] })
  return result.rows as T[]
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
