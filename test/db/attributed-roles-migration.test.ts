import { randomBytes } from 'node:crypto'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { defaultMigrationsDir, migrate } from '../../src/db/migrate.ts'
import { droppablePool } from '../helpers/database.ts'

// The attributed-roles migration on a database filled before it: every earlier migration applied,
// incidents with their roles written, then the migration; every role is carried forward as
// confirmed, with an id of its own, and the new rules hold.
const MIGRATION = '20261207050000_j_attributed_roles'
const admin = new pg.Pool({ connectionString: inject('adminUrl'), max: 2 })
const created: string[] = []
let dir: string | undefined

afterAll(async () => {
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.end()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe(`migration ${MIGRATION}`, () => {
  it('when applied to a database with roles, then each is kept as a confirmed role with an id, and the attribution rules hold', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sitrep-roles-'))
    const earlier = (await readdir(defaultMigrationsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && d.name < MIGRATION).map((d) => d.name)
    for (const name of earlier) await cp(join(defaultMigrationsDir, name), join(dir, name), { recursive: true })
    await cp(join(defaultMigrationsDir, 'migration_lock.toml'), join(dir, 'migration_lock.toml'))

    const name = `${inject('templateDatabase')}_m${randomBytes(4).toString('hex')}`
    await admin.query(`CREATE DATABASE ${name}`)
    created.push(name)
    const url = new URL(inject('adminUrl'))
    url.pathname = `/${name}`
    const db = droppablePool(url.href)
    try {
      expect((await migrate(url.href, { migrationsDir: dir })).applied).toEqual(earlier.sort())
      const [a, b, pak, ttp, said] = [1, 2, 3, 4, 5].map((n) => `0190f3a4-7b2c-7d3e-8f40-00000000000${n}`)
      await db.query('INSERT INTO actors (id, name, kind) VALUES ($1, \'Pakistan\', \'state\'), ($2, \'TTP\', \'armed_group\')', [pak, ttp])
      await db.query(`INSERT INTO incidents (id, type, title, occurred_at, country_codes) VALUES
        ($1, 'airstrike', 'Strikes', '2025-10-09T21:30:00Z', '{AF}'), ($2, 'militant_attack', 'Attacks', '2025-10-08T00:00:00Z', '{PK}')`, [a, b])
      await db.query(`INSERT INTO incident_actors (incident_id, actor_id, role, position) VALUES
        ($1, $3, 'perpetrator', 0), ($1, $4, 'target', 1), ($2, $4, 'perpetrator', 0)`, [a, b, pak, ttp])
      await db.query('INSERT INTO statements (id, speaker_id, kind, summary, language, stated_at) VALUES ($1, $2, \'claim\', \'We struck\', \'en\', now())', [said, pak])
      const before = (await db.query('SELECT * FROM incident_actors ORDER BY incident_id, position')).rows

      expect((await migrate(url.href)).applied).toContain(MIGRATION)
      const after = (await db.query('SELECT * FROM incident_actors ORDER BY incident_id, position')).rows
      expect(after.map((row) => Object.fromEntries(Object.keys(before[0]).map((c) => [c, row[c]])))).toEqual(before)
      expect(after.map((row) => [row.attribution, row.asserted_by_id, row.disputed])).toEqual([['confirmed', null, false], ['confirmed', null, false], ['confirmed', null, false]])
      expect(new Set(after.map((row) => row.id)).size).toBe(3)

      const insert = (actor: string, role: string, attribution: string, assertedBy: string | null) => db.query(`INSERT INTO incident_actors (id, incident_id, actor_id, role, attribution, asserted_by_id)
        VALUES (gen_random_uuid(), $1, $2, $3, $4, $5) RETURNING id`, [a, actor, role, attribution, assertedBy])
      // The same actor and role asserted by another party is another role; asserted twice by one, or confirmed twice, it clashes.
      const alleged = (await insert(ttp, 'target', 'alleged', pak)).rows[0].id
      await expect(insert(ttp, 'target', 'alleged', pak)).rejects.toThrow(/incident_actors_key/)
      await expect(insert(ttp, 'target', 'confirmed', null)).rejects.toThrow(/incident_actors_key/)
      await expect(insert(ttp, 'victim', 'confirmed', pak)).rejects.toThrow(/incident_actors_confirmed_unasserted/)
      await expect(insert(ttp, 'victim', 'alleged', null)).rejects.toThrow(/incident_actors_confirmed_unasserted/)
      await expect(insert(ttp, 'perpetrator', 'claimed', pak)).rejects.toThrow(/incident_actors_claimed_by_itself/)
      await insert(ttp, 'perpetrator', 'claimed', ttp)
      await db.query('INSERT INTO incident_actor_statements (incident_actor_id, statement_id) VALUES ($1, $2)', [alleged, said])
      await db.query('DELETE FROM incident_actors WHERE id = $1', [alleged])
      expect((await db.query('SELECT count(*)::int AS n FROM incident_actor_statements')).rows).toEqual([{ n: 0 }])
    } finally {
      await db.end()
    }
  })
})
