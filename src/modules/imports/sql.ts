import type pg from 'pg'
import type { Prisma } from '../../generated/prisma/client.ts'
import { rawRows } from '../../db/rows.ts'

/** A statement built only when its turn comes near (its JSON can be large), and what to do once it ran. */
export interface Write { build: () => Prisma.Sql, done?: () => void }

/**
 * Runs the writes one after another on the connection, building each one's SQL while PostgreSQL
 * runs the previous one: the JavaScript and the database work side by side, and at most two
 * statements' parameters are held in memory at a time.
 */
export async function runWrites (client: pg.ClientBase, writes: Write[]) {
  let next = writes[0]?.build()
  for (let i = 0; i < writes.length; i++) {
    const running = rawRows(client, next!)
    next = writes[i + 1]?.build()
    await running
    writes[i].done?.()
  }
}
