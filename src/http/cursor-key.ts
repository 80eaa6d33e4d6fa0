import { randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import type pg from 'pg'
import { Prisma } from '../generated/prisma/client.ts'
import { rawRows } from '../db/rows.ts'
import { useCursorKey } from './cursor.ts'

const SETTING = 'cursor_key'

/**
 * The key every API process on this database signs cursors with: written once, by whichever process
 * starts first. Insert-if-absent, then read in a new statement: a process that lost the race to a
 * concurrent first start reads the winner's key, so all of them agree.
 */
export async function sharedCursorKey (pool: pg.Pool): Promise<string> {
  await rawRows(pool, Prisma.sql`INSERT INTO settings (name, value) VALUES (${SETTING}, ${randomBytes(32).toString('base64url')}) ON CONFLICT (name) DO NOTHING`)
  const [row] = await rawRows<{ value: string }>(pool, Prisma.sql`SELECT value FROM settings WHERE name = ${SETTING}`)
  return row.value
}

/**
 * Signs cursors with CURSOR_SECRET when configured, else with the key stored in the database. A
 * database that is not reachable at start does not stop the app (liveness and the spec need none):
 * /v1 requests then wait for the key, and fail as any read would (503) until it can be read.
 */
export default fp<{ secret?: string }>(async (app, opts) => {
  if (opts.secret) {
    useCursorKey(opts.secret)
    return
  }
  let ready = false
  let loading: Promise<void> | null = null
  const load = () => (loading ??= sharedCursorKey(app.pool).then((key) => {
    useCursorKey(key)
    ready = true
  }, (err) => {
    loading = null
    throw err
  }))
  await load().catch((err) => app.log.warn({ err }, 'the cursor key could not be read from the database yet; the next /v1 request tries again'))
  // With `done`: once the key is read (nearly always at start) a request pays no promise for this hook.
  app.addHook('onRequest', (request, _reply, done) => {
    if (ready || !request.url.startsWith('/v1')) return done()
    load().then(() => done(), done)
  })
}, { name: 'cursor-key', dependencies: ['database'] })
