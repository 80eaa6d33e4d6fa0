import fp from 'fastify-plugin'
import pg from 'pg'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../generated/prisma/client.ts'

export type Db = PrismaClient
export type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0]
export type DbOrTx = Db | Tx

declare module 'fastify' {
  interface FastifyInstance {
    db: PrismaClient
    pool: pg.Pool
  }
}

export function createPool (databaseUrl: string) {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    connectionTimeoutMillis: 3000,
    // A pathological query must not hold a connection forever.
    statement_timeout: 15000
  })
  // An idle client losing its server (database restart) must not crash the process.
  pool.on('error', () => {})
  return pool
}

export default fp<{ databaseUrl: string }>(async (app, opts) => {
  const pool = createPool(opts.databaseUrl)
  const db = new PrismaClient({ adapter: new PrismaPg(pool) })
  app.decorate('pool', pool)
  app.decorate('db', db)
  app.addHook('onClose', async () => {
    await db.$disconnect()
    await pool.end()
  })
}, { name: 'database' })
