import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { ensureAppLogin } from '../src/db/app-role.ts'
import { createTempDir, startEmbeddedPostgres } from '../src/db/embedded.ts'
import { migrate } from '../src/db/migrate.ts'
import { buildExplorer, explorerStale } from '../web/build.ts'

// One PostgreSQL for the whole run (embedded unless TEST_DATABASE_URL is set), one migrated
// template; each test file clones its own database from the template. The harness keeps the
// admin URL; the app under test connects as a login role of this run that owns nothing.
// Each vitest project that needs a database (api, slow, e2e) runs this setup; they share one
// database, which the last teardown stops.
interface Shared { adminUrl: string, template: string, appRole: { user: string, password: string }, teardown: () => Promise<void> }
const shared = globalThis as { sitrepTestDatabase?: { ready: Promise<Shared>, users: number }, sitrepExplorerBuild?: Promise<unknown> }

export default async function setup (project: TestProject) {
  shared.sitrepTestDatabase ??= { ready: start(), users: 0 }
  const db = shared.sitrepTestDatabase
  db.users++
  // The explorer's pages are served by the app under test: the tests see the current web/ sources.
  shared.sitrepExplorerBuild ??= explorerStale() ? buildExplorer() : Promise.resolve()
  const [{ adminUrl, template, appRole, teardown }] = await Promise.all([db.ready, shared.sitrepExplorerBuild])
  project.provide('adminUrl', adminUrl)
  project.provide('templateDatabase', template)
  project.provide('appRole', appRole)
  return async () => {
    if (--db.users > 0) return
    delete shared.sitrepTestDatabase
    await teardown()
  }
}

async function start (): Promise<Shared> {
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
  // Roles are shared by the whole cluster (TEST_DATABASE_URL may serve other runs): one per run.
  const appRole = { user: `sitrep_test_app_${process.pid}_${Date.now()}`, password: randomBytes(18).toString('base64url') }
  const admin = new pg.Client({ connectionString: adminUrl })
  try {
    await admin.connect()
    await admin.query(`CREATE DATABASE ${template}`)
    const templateUrl = new URL(adminUrl)
    templateUrl.pathname = `/${template}`
    await migrate(templateUrl.href)
    const appUrl = new URL(templateUrl)
    appUrl.username = appRole.user
    appUrl.password = appRole.password
    await ensureAppLogin(templateUrl.href, appUrl.href)
  } catch (err) {
    await teardownServer()
    throw err
  } finally {
    await admin.end()
  }
  console.log(`test database ready in ${Date.now() - started} ms (${process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'embedded PostgreSQL'})`)

  const teardown = async () => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${template}%`])
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`)
    await client.query(`DROP ROLE IF EXISTS ${appRole.user}`)
    await client.end()
    await teardownServer()
  }
  return { adminUrl, template, appRole, teardown }
}
