import fp from 'fastify-plugin'
import pg from 'pg'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../generated/prisma/client.ts'
import { defaultLimits } from '../http/limits.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: PrismaClient
    pool: pg.Pool
  }
}

export interface PoolOptions {
  /** PostgreSQL cancels a statement running longer than this (default 15 s, see src/http/limits.ts) */
  statementTimeoutMs?: number
  /** told when an idle connection dies (the server restarted or was killed) */
  onIdleError?: (err: Error) => void
}

export function createPool (databaseUrl: string, opts: PoolOptions = {}) {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    connectionTimeoutMillis: 3000,
    // A pathological query must not hold a connection forever.
    statement_timeout: opts.statementTimeoutMs ?? defaultLimits.statementTimeoutMs
  })
  // pg emits 'error' when an idle client loses its server; unhandled, that event would crash the process.
  // The pool drops the client itself, and the next request opens a new connection.
  pool.on('error', (err) => opts.onIdleError?.(err))
  return pool
}

export default fp<{ databaseUrl: string, statementTimeoutMs: number }>(async (app, opts) => {
  const pool = createPool(opts.databaseUrl, {
    statementTimeoutMs: opts.statementTimeoutMs,
    onIdleError: (err) => app.log.warn({ err }, 'an idle database connection was lost')
  })
  const db = new PrismaClient({ adapter: new PrismaPg(pool) })
  app.decorate('pool', pool)
  app.decorate('db', db)
  app.addHook('onClose', async () => {
    await db.$disconnect()
    await pool.end()
  })
}, { name: 'database' })
