import type { Readable } from 'node:stream'
import pg from 'pg'
import { to as copyTo } from 'pg-copy-streams'
import type { Prisma } from '../generated/prisma/client.ts'

// Inside a PostgreSQL array literal: every item quoted, its quotes and backslashes escaped.
const arrayItem = (v: unknown): string => v === null || v === undefined ? 'NULL' : `"${String(v).replace(/["\\]/g, '\\$&')}"`

function literal (v: unknown): string {
  if (v === null || v === undefined) return 'NULL'
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'bigint') return `(${v})`
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} into SQL`)
    return `(${v})`
  }
  if (v instanceof Date) return pg.escapeLiteral(v.toISOString())
  if (Array.isArray(v)) return pg.escapeLiteral(`{${v.map(arrayItem).join(',')}}`)
  if (typeof v === 'string') return pg.escapeLiteral(v)
  throw new Error(`cannot write a ${typeof v} into SQL`)
}

/**
 * A Prisma.sql query as one text, its values written as SQL literals: COPY takes no bind parameters.
 * Strings go through pg's escapeLiteral, numbers in parentheses (a minus never meets another one as a
 * comment), arrays as array literals the SQL's own casts (`::uuid[]`) type.
 */
export function inlineSql (sql: Prisma.Sql): string {
  return sql.strings.reduce((text, part, n) => text + literal(sql.values[n - 1]) + part)
}

export interface CopyOptions {
  /** statement_timeout of the COPY: the whole export, however slowly the client reads */
  timeoutMs: number
  /**
   * 'csv': the select's columns as CSV with a header row. 'lines': its one text column written as is,
   * one row per line (CSV with quote and delimiter bytes that JSON text never holds raw, so nothing is quoted or escaped).
   */
  as: 'csv' | 'lines'
}

/**
 * Runs `COPY (query) TO STDOUT` on a connection of its own and returns the bytes PostgreSQL writes, with
 * back-pressure (a client that reads slowly pauses the socket, and PostgreSQL waits). One statement: one
 * snapshot. The connection goes back to the pool when the copy ends; destroying the stream (the client went
 * away) or an error closes the connection instead, which ends the query on the server at once.
 */
export async function copyOut (pool: pg.Pool, query: Prisma.Sql, opts: CopyOptions): Promise<Readable> {
  const text = inlineSql(query)
  const client = await pool.connect()
  let released = false
  const release = (err?: Error | boolean) => {
    if (released) return
    released = true
    client.release(err)
  }
  try {
    // client_connection_check_interval: a backend still sorting when its client is gone notices within a second.
    await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.trunc(opts.timeoutMs)}; SET LOCAL extra_float_digits = 1;
      SET LOCAL client_connection_check_interval = 1000`)
  } catch (err) {
    release(err as Error)
    throw err
  }
  const format = opts.as === 'csv' ? 'FORMAT csv, HEADER' : 'FORMAT csv, QUOTE E\'\\x01\', DELIMITER E\'\\x02\''
  const stream = client.query(copyTo(`COPY (${text}) TO STDOUT WITH (${format})`))
  let ended = false
  stream.once('end', () => {
    ended = true
    client.query('COMMIT').then(() => release(), (err: Error) => release(err))
  })
  // Kept for good: the client reports the query's failure once more when its connection closes.
  stream.on('error', (err) => release(err))
  stream.once('close', () => { if (!ended) release(true) })
  return stream
}
