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

/** A database of this test file's own, cloned from the migrated template (milliseconds). */
export async function createTestDatabase (): Promise<{ url: string, drop: () => Promise<void> }> {
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
  const url = new URL(inject('adminUrl'))
  url.pathname = `/${name}`
  return {
    url: url.href,
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
