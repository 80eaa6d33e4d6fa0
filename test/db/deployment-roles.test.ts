import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'

// npm start against "your PostgreSQL": an empty database, the owner's URL for migrations and a
// not yet existing role for the API, as docker-compose.yml and the README configure it.
const root = new URL('../../', import.meta.url).pathname
const admin = new pg.Pool({ connectionString: inject('adminUrl'), max: 1 })
const suffix = randomBytes(4).toString('hex')
const database = `${inject('templateDatabase')}_d${suffix}`
const apiUser = `sitrep_api_${suffix}`

beforeAll(async () => {
  await admin.query(`CREATE DATABASE ${database}`)
})
afterAll(async () => {
  await admin.query(`DROP DATABASE IF EXISTS ${database}_empty WITH (FORCE)`)
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  await admin.query(`DROP ROLE IF EXISTS ${apiUser}`)
  await admin.end()
})

function freePort (): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/** Starts the server with `env`, waits until it is ready, runs `fn`, stops it; returns its log. */
async function serve (env: Record<string, string>, fn: (base: string) => Promise<void>): Promise<string> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), DEMO_DATA: 'true', LOG_LEVEL: 'info', ...env },
    stdio: 'pipe'
  })
  let output = ''
  child.stdout.on('data', (d) => { output += d })
  child.stderr.on('data', (d) => { output += d })
  const base = `http://127.0.0.1:${port}`
  try {
    let ready = false
    for (let i = 0; i < 200 && !ready && child.exitCode === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false)
    }
    expect(ready, output).toBe(true)
    await fn(base)
  } finally {
    child.kill('SIGTERM')
    if (child.exitCode === null) await once(child, 'exit')
  }
  return output
}

const urlOf = (user?: string, password?: string) => {
  const url = new URL(inject('adminUrl'))
  url.pathname = `/${database}`
  if (user !== undefined) url.username = user
  if (password !== undefined) url.password = password
  return url.href
}

describe('npm start with DATABASE_URL and MIGRATION_DATABASE_URL', () => {
  it('migrates an empty database as the owner, creates the API\'s login role, and serves as it', async () => {
    const password = randomBytes(12).toString('hex')
    const log = await serve({ DATABASE_URL: urlOf(apiUser, password), MIGRATION_DATABASE_URL: urlOf() }, async (base) => {
      const res = await fetch(`${base}/v1/incidents?limit=1`)
      expect(res.status).toBe(200)
      expect((await res.json()).data).toHaveLength(1)
    })
    expect(log).toContain(`created the login role ${apiUser} (member of sitrep_app)`)
    expect(log).toContain('loaded the demo story')
    expect(log).not.toContain('"level":40')
    // The API's role owns nothing in that database.
    const owned = await admin.query('SELECT count(*)::int AS n FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1', [apiUser])
    expect(owned.rows[0].n).toBe(0)
  })

  it('when only DATABASE_URL is set and its role owns the tables, then it serves and warns at start', async () => {
    const log = await serve({ DATABASE_URL: urlOf(), DEMO_DATA: 'false' }, async (base) => {
      expect((await fetch(`${base}/v1/actors`)).status).toBe(200)
    })
    const warnings = log.split('\n').filter((l) => l.includes('"level":40'))
    expect(warnings.join('\n')).toMatch(/the API connects as \w+, which is a superuser: it could alter or drop tables and disable the change log's append-only trigger/)
  })

  it('when only DATABASE_URL is set, its role owns nothing and migrations are pending, then start fails naming MIGRATION_DATABASE_URL', async () => {
    await admin.query(`CREATE DATABASE ${database}_empty`)
    const url = new URL(urlOf(inject('appRole').user, inject('appRole').password))
    url.pathname = `/${database}_empty`
    const failed = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: root, env: { ...process.env, DATABASE_URL: url.href, PORT: '0' } })
      .catch((err) => err)
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain('permission denied for schema public')
    expect(failed.stderr).toContain('set MIGRATION_DATABASE_URL to the owner\'s URL')
  })
})

describe('MIGRATION_DATABASE_URL', () => {
  it('is read next to DATABASE_URL, and refused without it (the embedded database makes its own roles)', () => {
    const both = loadConfig({ DATABASE_URL: 'postgresql://api:x@h/db', MIGRATION_DATABASE_URL: 'postgresql://owner:y@h/db' })
    expect(both).toMatchObject({ databaseUrl: 'postgresql://api:x@h/db', migrationDatabaseUrl: 'postgresql://owner:y@h/db' })
    expect(() => loadConfig({ MIGRATION_DATABASE_URL: 'postgresql://owner:y@h/db' })).toThrow(ConfigError)
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://api:x@h/db', MIGRATION_DATABASE_URL: 'mysql://h/db' }))
      .toThrow('Invalid configuration: MIGRATION_DATABASE_URL="mysql://h/db": must be a postgres:// or postgresql:// URL')
  })
})
