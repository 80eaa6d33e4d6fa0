import { randomUUID } from 'node:crypto'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg'
import pg from 'pg'
import { ROLE_LOCK_SQL } from './app-role.ts'
import { createTempDir, startEmbeddedPostgres } from './embedded.ts'
import { withSchemaEngine } from './schema-engine.ts'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const defaultMigrationsDir = join(repoRoot, 'prisma', 'migrations')
export const defaultSchemaPath = join(repoRoot, 'prisma', 'schema.prisma')

const noFilters = { externalTables: [], externalEnums: [] }

type Log = (m: string) => void

/** Applies pending migrations and records them in `_prisma_migrations`, like `prisma migrate deploy`. */
export async function migrate (databaseUrl: string, opts: { migrationsDir?: string, log?: Log } = {}): Promise<{ applied: string[] }> {
  const migrationsList = await readMigrations(opts.migrationsDir ?? defaultMigrationsDir)
  const out = await withSchemaEngine(databaseUrl, { log: opts.log }, (engine) =>
    engine.applyMigrations({ migrationsList, filters: noFilters }))
  await grantAppPrivileges(databaseUrl)
  return { applied: out.appliedMigrationNames }
}

/**
 * Grants the API's role (sitrep_app) its privileges again after every run, as the migration that
 * created the role defined them: objects a migration created as another role than the one whose
 * default privileges apply are covered too. Skipped before that migration, and for a role that
 * may not run it (the API's own, when it is given no owner URL).
 */
async function grantAppPrivileges (databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const { rows: [fn] } = await client.query(`SELECT p.oid::regprocedure::text AS name FROM pg_proc p
      WHERE p.oid = to_regprocedure('sitrep_grant_app_privileges()') AND has_function_privilege(p.oid, 'EXECUTE')`)
    if (fn !== undefined) {
      await client.query('BEGIN')
      await client.query(ROLE_LOCK_SQL)
      await client.query(`SELECT ${fn.name as string}`)
      await client.query('COMMIT')
    }
  } finally {
    await client.end()
  }
}

const migrationNames = new Map<string, Promise<string[]>>()

/**
 * Migrations on disk not yet finished in the database (all of them when `_prisma_migrations`
 * does not exist). The directory is listed once per process: it only changes with a deploy.
 */
export async function pendingMigrations (query: (sql: string) => Promise<{ rows: any[] }>, migrationsDir = defaultMigrationsDir): Promise<string[]> {
  const dir = resolve(migrationsDir)
  let names = migrationNames.get(dir)
  if (names === undefined) {
    names = readMigrations(dir).then((l) => l.migrationDirectories.map((d) => d.path))
    names.catch(() => migrationNames.delete(dir))
    migrationNames.set(dir, names)
  }
  // Checking first keeps the caller's connection or transaction free of a failed statement.
  const { rows: [table] } = await query("SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present")
  const done = new Set<string>()
  if (table?.present === true) {
    const { rows } = await query('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL')
    for (const row of rows) done.add(row.migration_name)
  }
  return (await names).filter((n) => !done.has(n))
}

/**
 * SQL of the next migration: from the schema the migration history produces to the Prisma
 * schema, as `prisma migrate diff --from-migrations --to-schema --script` prints it. The history
 * is replayed into a throwaway database on `serverUrl` (needs CREATEDB), or when omitted on a
 * temporary embedded PostgreSQL. Empty string when there is nothing to change.
 */
/**
 * The shadow database replays the migrations without the runner, so it has no history table; the
 * app-role migration revokes rights on that table and would fail there. An empty one stands in.
 */
async function withShadowHistoryTable (url: string) {
  const shadow = new pg.Client({ connectionString: url })
  await shadow.connect()
  try {
    await shadow.query('CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY)')
  } finally {
    await shadow.end()
  }
}

export async function diffSchemaSql (opts: { schemaPath?: string, migrationsDir?: string, serverUrl?: string, log?: Log } = {}): Promise<string> {
  const schemaPath = resolve(opts.schemaPath ?? defaultSchemaPath)
  const files = [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }]
  // Before the first migration there is no directory yet.
  const migrationsList = await readMigrations(opts.migrationsDir ?? defaultMigrationsDir, true)
  const server = opts.serverUrl === undefined ? await startTemporaryPostgres(opts.log) : { url: opts.serverUrl, stop: async () => {} }
  const shadowName = `sitrep_diff_${randomUUID().replaceAll('-', '')}`
  const shadowUrl = new URL(server.url)
  shadowUrl.pathname = `/${shadowName}`
  const admin = new pg.Client({ connectionString: server.url })
  try {
    await admin.connect()
    await admin.query(`CREATE DATABASE ${shadowName}`)
    await withShadowHistoryTable(shadowUrl.href)
    const out = await withSchemaEngine(server.url, { shadowUrl: shadowUrl.href, log: opts.log }, (engine) => engine.diff({
      // The engine cannot tell the connector of a history without migration_lock.toml, which the
      // first migration has not written yet.
      from: migrationsList.migrationDirectories.length === 0 ? { tag: 'empty' } : { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: null,
      filters: noFilters
    }))
    const sql = out.stdout ?? ''
    return isEmptyScript(sql) ? '' : sql
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${shadowName} WITH (FORCE)`).catch(() => {})
    await admin.end()
    await server.stop()
  }
}

/** The engine prints a comment instead of nothing when the schemas match. */
function isEmptyScript (sql: string): boolean {
  return sql.split('\n').every((line) => line.trim() === '' || line.trim().startsWith('--'))
}

async function startTemporaryPostgres (log?: Log): Promise<{ url: string, stop: () => Promise<void> }> {
  const dir = await createTempDir('sitrep-diff-')
  const removeDir = (): Promise<void> => rm(dir, { recursive: true, force: true })
  try {
    const db = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), database: 'postgres', forTests: true, log })
    return { url: db.url, stop: () => db.stop().finally(removeDir) }
  } catch (err) {
    await removeDir()
    throw err
  }
}

/** A missing directory is an error (a deploy without its migrations) unless `optional`. */
async function readMigrations (dir: string, optional = false): Promise<MigrationList> {
  const baseDir = resolve(dir)
  const entries = await readdir(baseDir, { withFileTypes: true }).catch((err) => {
    if (optional && err.code === 'ENOENT') return []
    throw err
  })
  const migrationDirectories = []
  for (const name of entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    const sql = await readFile(join(baseDir, name, 'migration.sql'), 'utf8').catch(() => undefined)
    // Prisma also skips directories without a migration.sql (e.g. an editor's leftovers).
    if (sql !== undefined) {
      migrationDirectories.push({ path: name, migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: sql } } })
    }
  }
  const lockContent = await readFile(join(baseDir, 'migration_lock.toml'), 'utf8').catch(() => null)
  return { baseDir, lockfile: { path: 'migration_lock.toml', content: lockContent }, shadowDbInitScript: '', migrationDirectories }
}
