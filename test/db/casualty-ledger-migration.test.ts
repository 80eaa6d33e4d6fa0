import { randomBytes } from 'node:crypto'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { defaultMigrationsDir, migrate } from '../../src/db/migrate.ts'
import { droppablePool } from '../helpers/database.ts'

// The casualty ledger's migration carries existing reports forward: filled at the migration before
// it, then migrated, every report keeps its figures with no affected party and no phrase.

const MIGRATION = '20261207030000_h_casualty_ledger'
const admin = new pg.Pool({ connectionString: inject('adminUrl'), max: 1 })
let name: string | undefined
let dir: string | undefined

afterAll(async () => {
  if (name) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.end()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe(`migration ${MIGRATION}`, () => {
  it('keeps every casualty report, with affectedActorId and phrase null, and lets one reporter count two parties apart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sitrep-ledger-migration-'))
    const all = (await readdir(defaultMigrationsDir)).sort()
    for (const entry of all.filter((e) => e === 'migration_lock.toml' || e < MIGRATION)) {
      await cp(join(defaultMigrationsDir, entry), join(dir, entry), { recursive: true })
    }
    name = `${inject('templateDatabase')}_m${randomBytes(4).toString('hex')}`
    await admin.query(`CREATE DATABASE ${name}`)
    const url = new URL(inject('adminUrl'))
    url.pathname = `/${name}`
    const db = droppablePool(url.href)
    try {
      const before = await migrate(url.href, { migrationsDir: dir })
      expect(before.applied).not.toContain(MIGRATION)
      await db.query(`INSERT INTO actors (id, name, kind) VALUES
        ('0190f3a4-7b2c-7d3e-8f40-000000000001', 'Ministry', 'military'), ('0190f3a4-7b2c-7d3e-8f40-000000000002', 'Civilians', 'other')`)
      await db.query(`INSERT INTO incidents (id, type, title, occurred_at, country_codes) VALUES
        ('0190f3a4-7b2c-7d3e-8f40-000000000010', 'airstrike', 'Strike', '2025-10-09T22:00:00Z', '{AF}')`)
      await db.query(`INSERT INTO casualty_reports (id, incident_id, reported_by_id, category, min, max, qualifier, groups) VALUES
        ('0190f3a4-7b2c-7d3e-8f40-000000000020', '0190f3a4-7b2c-7d3e-8f40-000000000010', '0190f3a4-7b2c-7d3e-8f40-000000000001', 'killed', 3, NULL, 'at_least', '{civilians}'),
        ('0190f3a4-7b2c-7d3e-8f40-000000000021', '0190f3a4-7b2c-7d3e-8f40-000000000010', NULL, 'killed', 10, 20, 'range', '{}')`)

      expect((await migrate(url.href)).applied).toEqual([MIGRATION, ...all.filter((e) => e > MIGRATION && e !== 'migration_lock.toml')])
      const { rows } = await db.query(`SELECT id::text, reported_by_id::text AS reporter, affected_actor_id AS affected, category::text, min, max,
        qualifier::text, phrase, groups FROM casualty_reports ORDER BY id`)
      expect(rows).toEqual([
        { id: '0190f3a4-7b2c-7d3e-8f40-000000000020', reporter: '0190f3a4-7b2c-7d3e-8f40-000000000001', affected: null, category: 'killed', min: 3, max: null, qualifier: 'at_least', phrase: null, groups: ['civilians'] },
        { id: '0190f3a4-7b2c-7d3e-8f40-000000000021', reporter: null, affected: null, category: 'killed', min: 10, max: 20, qualifier: 'range', phrase: null, groups: [] }
      ])
      // The reporter may now count the civilians apart; a second figure for no stated party is still one too many.
      await db.query(`INSERT INTO casualty_reports (id, incident_id, reported_by_id, affected_actor_id, category, min, qualifier) VALUES
        ('0190f3a4-7b2c-7d3e-8f40-000000000022', '0190f3a4-7b2c-7d3e-8f40-000000000010', '0190f3a4-7b2c-7d3e-8f40-000000000001', '0190f3a4-7b2c-7d3e-8f40-000000000002', 'killed', 2, 'exact')`)
      await expect(db.query(`INSERT INTO casualty_reports (id, incident_id, reported_by_id, category, min, qualifier) VALUES
        ('0190f3a4-7b2c-7d3e-8f40-000000000023', '0190f3a4-7b2c-7d3e-8f40-000000000010', '0190f3a4-7b2c-7d3e-8f40-000000000001', 'killed', 4, 'exact')`))
        .rejects.toThrow(/casualty_reports_one_per_reporter/)
    } finally {
      await db.end()
    }
  })
})
