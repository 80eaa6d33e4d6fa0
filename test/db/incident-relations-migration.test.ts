import { randomBytes } from 'node:crypto'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { defaultMigrationsDir, migrate } from '../../src/db/migrate.ts'
import { droppablePool } from '../helpers/database.ts'

// The relations migration on a database filled before it: every earlier migration applied, an
// incident with its links written, then the migration; nothing is lost and the new rules hold.
const MIGRATION = '20261207020000_g_incident_relations'
const admin = new pg.Pool({ connectionString: inject('adminUrl'), max: 2 })
const created: string[] = []
let dir: string | undefined

afterAll(async () => {
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.end()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe(`migration ${MIGRATION}`, () => {
  it('when applied to a database with incidents, then they keep every field and link, with no relations, and the rules hold', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sitrep-relations-'))
    const earlier = (await readdir(defaultMigrationsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && d.name < MIGRATION).map((d) => d.name)
    for (const name of earlier) await cp(join(defaultMigrationsDir, name), join(dir, name), { recursive: true })
    await cp(join(defaultMigrationsDir, 'migration_lock.toml'), join(dir, 'migration_lock.toml'))

    const name = `${inject('templateDatabase')}_r${randomBytes(4).toString('hex')}`
    await admin.query(`CREATE DATABASE ${name}`)
    created.push(name)
    const url = new URL(inject('adminUrl'))
    url.pathname = `/${name}`
    const db = droppablePool(url.href)
    try {
      expect((await migrate(url.href, { migrationsDir: dir })).applied).toEqual(earlier.sort())
      const [a, b, actor] = ['0190f3a4-7b2c-7d3e-8f40-000000000001', '0190f3a4-7b2c-7d3e-8f40-000000000002', '0190f3a4-7b2c-7d3e-8f40-000000000003']
      await db.query('INSERT INTO actors (id, name, kind) VALUES ($1, \'Pakistan\', \'state\')', [actor])
      await db.query(`INSERT INTO incidents (id, type, title, occurred_at, country_codes, tags) VALUES
        ($1, 'airstrike', 'Strikes', '2025-10-09T21:30:00Z', '{AF}', '{cross-border}'), ($2, 'militant_attack', 'Attacks', '2025-10-08T00:00:00Z', '{PK}', '{}')`, [a, b])
      await db.query('INSERT INTO incident_actors (incident_id, actor_id, role) VALUES ($1, $2, \'perpetrator\')', [a, actor])
      const before = (await db.query('SELECT * FROM incidents ORDER BY id')).rows

      // Later migrations run too and may add columns: the ones there before must be unchanged.
      expect((await migrate(url.href)).applied).toContain(MIGRATION)
      const columns = Object.keys(before[0])
      const after = (await db.query('SELECT * FROM incidents ORDER BY id')).rows
      expect(after.map((row) => Object.fromEntries(columns.map((c) => [c, row[c]])))).toEqual(before)
      expect((await db.query('SELECT incident_id::text, actor_id::text, role::text FROM incident_actors')).rows)
        .toEqual([{ incident_id: a, actor_id: actor, role: 'perpetrator' }])
      expect((await db.query('SELECT count(*)::int AS n FROM incident_relations')).rows).toEqual([{ n: 0 }])

      await db.query('INSERT INTO incident_relations (from_id, to_id, kind, asserted_by_id) VALUES ($1, $2, \'responds_to\', $3), ($1, $2, \'same_as\', NULL)', [a, b, actor])
      await expect(db.query('INSERT INTO incident_relations (from_id, to_id, kind) VALUES ($1, $1, \'follows\')', [a])).rejects.toThrow(/incident_relations_not_self/)
      await expect(db.query('INSERT INTO incident_relations (from_id, to_id, kind) VALUES ($2, $1, \'same_as\')', [a, b])).rejects.toThrow(/incident_relations_same_as_pair_key/)
      // The other way round is another relation for every kind but same_as.
      await db.query('INSERT INTO incident_relations (from_id, to_id, kind) VALUES ($2, $1, \'responds_to\')', [a, b])
    } finally {
      await db.end()
    }
  })
})
