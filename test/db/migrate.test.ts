import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { defaultMigrationsDir, diffSchemaSql, migrate, pendingMigrations } from '../../src/db/migrate.ts'
import { droppablePool } from '../helpers/database.ts'

const admin = new pg.Pool({ connectionString: inject('adminUrl'), max: 2 })
const created: string[] = []

/** An empty database (not a template clone); the name lets global teardown drop leftovers. */
async function emptyDatabase (): Promise<{ url: string, pool: pg.Pool }> {
  const name = `${inject('templateDatabase')}_m${randomBytes(4).toString('hex')}`
  await admin.query(`CREATE DATABASE ${name}`)
  created.push(name)
  const url = new URL(inject('adminUrl'))
  url.pathname = `/${name}`
  return { url: url.href, pool: droppablePool(url.href) }
}

afterAll(async () => {
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.end()
})

describe('the repository migrations', () => {
  it('apply in order to an empty database, once', async () => {
    const dirs = (await readdir(defaultMigrationsDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && existsSync(join(defaultMigrationsDir, d.name, 'migration.sql')))
      .map((d) => d.name)
      .sort()
    expect(dirs.length).toBeGreaterThan(0)
    const db = await emptyDatabase()
    const query = (sql: string) => db.pool.query(sql)
    try {
      expect(await pendingMigrations(query)).toEqual(dirs)
      expect(await migrate(db.url)).toEqual({ applied: dirs })
      expect(await migrate(db.url)).toEqual({ applied: [] })
      expect(await pendingMigrations(query)).toEqual([])
    } finally {
      await db.pool.end()
    }
  })
})

// Hand-written SQL that a naive runner breaks: semicolons in strings and dollar-quoted bodies.
const FIXTURE_SCHEMA = `
datasource db {
  provider = "postgresql"
}

model Place {
  id   Int    @id
  name String

  @@map("places")
}
`
const INIT_SQL = `-- CreateTable
CREATE TABLE "places" (
    "id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "places_pkey" PRIMARY KEY ("id")
);

-- hand-written
ALTER TABLE "places" ADD CONSTRAINT "places_name_not_blank" CHECK (btrim("name") <> '');
CREATE UNIQUE INDEX "places_name_ci_key" ON "places" (lower("name"));
CREATE INDEX "places_name_partial_idx" ON "places" ("name") WHERE "name" <> 'a;b';
CREATE FUNCTION places_trim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.name := btrim(NEW.name);
  RETURN NEW;
END
$$;
CREATE TRIGGER places_trim BEFORE INSERT OR UPDATE ON "places" FOR EACH ROW EXECUTE FUNCTION places_trim();
`

describe('the migration runner', () => {
  let dir: string
  const names = ['20250101000000_init', '20250102000000_seed']

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sitrep-migrations-'))
    await writeFile(join(dir, 'schema.prisma'), FIXTURE_SCHEMA)
    await mkdir(join(dir, 'migrations', names[0]), { recursive: true })
    await writeFile(join(dir, 'migrations', 'migration_lock.toml'), 'provider = "postgresql"\n')
    await writeFile(join(dir, 'migrations', names[0], 'migration.sql'), INIT_SQL)
    await mkdir(join(dir, 'migrations', names[1]))
    await writeFile(join(dir, 'migrations', names[1], 'migration.sql'), "INSERT INTO places VALUES (1, '  Gaza; City  ');\n")
    // Not a migration: Prisma ignores directories without migration.sql.
    await mkdir(join(dir, 'migrations', '20250103000000_empty'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('applies whole scripts, records them, and applies nothing on a rerun', async () => {
    const migrationsDir = join(dir, 'migrations')
    const db = await emptyDatabase()
    const query = (sql: string) => db.pool.query(sql)
    try {
      expect(await pendingMigrations(query, migrationsDir)).toEqual(names)
      expect(await migrate(db.url, { migrationsDir })).toEqual({ applied: names })
      expect(await migrate(db.url, { migrationsDir })).toEqual({ applied: [] })
      expect(await pendingMigrations(query, migrationsDir)).toEqual([])
      const { rows } = await db.pool.query('SELECT migration_name AS name, applied_steps_count AS steps FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY 1')
      expect(rows).toEqual(names.map((name) => ({ name, steps: 1 })))
      expect((await db.pool.query('SELECT name FROM places')).rows).toEqual([{ name: 'Gaza; City' }])
    } finally {
      await db.pool.end()
    }
  })

  it('rolls a failing migration back and refuses to continue past it', async () => {
    const migrationsDir = join(dir, 'failing')
    await mkdir(join(migrationsDir, '20250101000000_broken'), { recursive: true })
    await writeFile(join(migrationsDir, 'migration_lock.toml'), 'provider = "postgresql"\n')
    await writeFile(join(migrationsDir, '20250101000000_broken', 'migration.sql'), 'CREATE TABLE half (id int);\nALTER TABLE missing ADD COLUMN x int;\n')
    const db = await emptyDatabase()
    try {
      await expect(migrate(db.url, { migrationsDir })).rejects.toThrow('(in migration 20250101000000_broken)')
      expect((await db.pool.query("SELECT to_regclass('half') AS t")).rows).toEqual([{ t: null }])
      expect(await pendingMigrations((sql) => db.pool.query(sql), migrationsDir)).toEqual(['20250101000000_broken'])
      await expect(migrate(db.url, { migrationsDir })).rejects.toThrow('found failed migrations')
    } finally {
      await db.pool.end()
    }
  })

  it('diffs the schema against the migration history, ignoring hand-written objects', async () => {
    const schemaPath = join(dir, 'schema.prisma')
    const serverUrl = inject('adminUrl')
    expect(await diffSchemaSql({ schemaPath, migrationsDir: join(dir, 'migrations'), serverUrl })).toBe('')
    await writeFile(schemaPath, FIXTURE_SCHEMA.replace('name String', 'name String\n  note String?'))
    expect(await diffSchemaSql({ schemaPath, migrationsDir: join(dir, 'migrations'), serverUrl }))
      .toBe('-- AlterTable\nALTER TABLE "places" ADD COLUMN     "note" TEXT;\n')
    expect(await diffSchemaSql({ schemaPath, migrationsDir: join(dir, 'none'), serverUrl }))
      .toMatch(/^-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n-- CreateTable\nCREATE TABLE "places" \(/)
  })
})
