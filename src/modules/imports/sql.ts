import type pg from 'pg'
import type { Prisma } from '../../generated/prisma/client.ts'

/** Runs a Prisma.sql query on the import's own connection (inside its transaction). */
export async function query<T> (client: pg.ClientBase, sql: Prisma.Sql): Promise<T[]> {
  const result = await client.query({ text: sql.text, values: sql.values as unknown[] })
  return result.rows as T[]
}

/**
 * Statements sent one after another on one connection without the caller waiting for each: the
 * caller builds the next statement (its JSON) while PostgreSQL runs the previous one. Once one
 * fails, the later ones are not sent and reject with the same error.
 */
export class StatementChain {
  private last: Promise<unknown> = Promise.resolve()
  constructor (private readonly client: pg.ClientBase) {}

  send (sql: Prisma.Sql) {
    this.last = this.last.then(() => query(this.client, sql))
  }

  /** Resolves when every statement sent so far has run. */
  done (): Promise<unknown> {
    return this.last
  }
}
