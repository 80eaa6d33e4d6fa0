import { rm } from 'node:fs/promises'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { createTempDir, startEmbeddedPostgres } from '../src/db/embedded.ts'
import { migrate } from '../src/db/migrate.ts'

// One PostgreSQL for the whole run (embedded unless TEST_DATABASE_URL is set), one migrated
// template; each test file clones its own database from the template.
export default async function setup (project: TestProject) {
  const started = Date.now()
  let adminUrl = process.env.TEST_DATABASE_URL
  let teardownServer = async () => {}
  if (!adminUrl) {
    const dataDir = await createTempDir('sitrep-test-')
    const server = await startEmbeddedPostgres({ dataDir, database: 'postgres', forTests: true })
    adminUrl = server.url
    teardownServer = async () => {
      await server.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
  const template = `sitrep_tpl_${process.pid}_${Date.now()}`
  const admin = new pg.Client({ connectionString: adminUrl })
  try {
    await admin.connect()
    await admin.query(`CREATE DATABASE ${template}`)
    const templateUrl = new URL(adminUrl)
    templateUrl.pathname = `/${template}`
    await migrate(templateUrl.href)
  } catch (err) {
    await teardownServer()
    throw err
  } finally {
    await admin.end()
  }
  console.log(`test database ready in ${Date.now() - started} ms (${process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'embedded PostgreSQL'})`)

  project.provide('adminUrl', adminUrl)
  project.provide('templateDatabase', template)

  return async () => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${template}%`])
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`)
    await client.end()
    await teardownServer()
  }
}
