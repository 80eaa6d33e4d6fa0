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
