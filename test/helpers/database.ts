import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { inject } from 'vitest'

async function withAdmin<T> (fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('adminUrl') })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

export interface TestDatabase {
  /** as the app's role: a member of sitrep_app, which owns nothing (what the app under test uses) */
  url: string
  /** as the owner (the admin of the test server): for what the app may not do */
  ownerUrl: string
  drop: () => Promise<void>
}

/** A database of this test file's own, cloned from the migrated template (milliseconds). */
export async function createTestDatabase (): Promise<TestDatabase> {
  const template = inject('templateDatabase')
  const name = `${template}_${randomBytes(4).toString('hex')}`
  // PostgreSQL refuses to copy a template another session is copying at the same moment; retry.
  for (let attempt = 0; ; attempt++) {
    try {
      await withAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`))
      break
    } catch (err) {
      if (attempt >= 20 || !/is being accessed by other users/.test(String(err))) throw err
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100))
    }
  }
  const ownerUrl = new URL(inject('adminUrl'))
  ownerUrl.pathname = `/${name}`
  const url = new URL(ownerUrl)
  url.username = inject('appRole').user
  url.password = inject('appRole').password
  return {
    url: url.href,
    ownerUrl: ownerUrl.href,
    drop: () => withAdmin(async (c) => { await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) })
  }
}

/** The SQL text of every round trip any pg client makes while fn runs (Prisma's adapter and raw pool queries alike). */
export async function recordQueries (fn: () => Promise<unknown>): Promise<string[]> {
  const original = pg.Client.prototype.query
  const sent: string[] = []
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as string | { text?: string } | undefined
    sent.push(typeof q === 'string' ? q : q?.text ?? '')
    return (original as (...a: unknown[]) => unknown).apply(this, args)
  } as typeof original
  try {
    await fn()
  } finally {
    pg.Client.prototype.query = original
  }
  return sent
}

/** Runs SQL the app's role may not (DDL such as a test's own trigger) as the owner of the schema. */
export async function asOwner (ownerUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/**
 * A pool on a database the test drops WITH (FORCE) afterwards. pg-pool's end() resolves before its
 * clients' sockets have closed, so the drop can terminate a client that is still ending: the FATAL
 * reaches the client, and (through the idle listener pg-pool leaves on a client it ends) the pool,
 * where without a listener it surfaced as an uncaught error. Queries still reject.
 */
export function droppablePool (url: string, max = 1): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max })
  pool.on('connect', (client) => client.on('error', () => {}))
  pool.on('error', () => {})
  return pool
}
