import type pg from 'pg'
import { Prisma } from '../generated/prisma/client.ts'

const snake = (name: string) => name.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)

/**
 * A select list that reads a table's columns under the Prisma model's field names
 * (`i.occurred_at AS "occurredAt"`), so a raw row has the shape Prisma would return and the
 * same view functions serve both.
 */
export function modelColumns (alias: string, fields: readonly string[]): Prisma.Sql {
  return Prisma.raw(fields.map((f) => (snake(f) === f ? `${alias}.${f}` : `${alias}.${snake(f)} AS "${f}"`)).join(', '))
}

/**
 * Runs a Prisma.sql query straight on the pg pool (or one client of it, inside a transaction). Hot read paths use this: one round trip per
 * page with no ORM layer in between (issue 7 measured the ORM path at ~5x the CPU per row).
 * Unnamed statements, so PostgreSQL plans each with its parameters (a generic plan for a named
 * statement made list queries slower).
 */
export async function rawRows<T> (db: pg.Pool | pg.ClientBase, sql: Prisma.Sql): Promise<T[]> {
  const result = await db.query({ text: sql.text, values: sql.values as unknown[] })
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
