import { randomBytes } from 'node:crypto'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { defaultMigrationsDir, migrate } from '../../src/db/migrate.ts'
import { droppablePool } from '../helpers/database.ts'

// Migration i_types_and_ids on a database filled at the migration before it: nothing lost, the new
// fields empty, and the rebuilt search column still finding what it found.
const MIGRATION = '20261207040000_i_types_and_ids'
const admin = new pg.Pool({ connectionString: inject('adminUrl'), max: 1 })
const cleanup: Array<() => Promise<unknown>> = []

afterAll(async () => {
  for (const step of cleanup.reverse()) await step()
  await admin.end()
})

async function emptyDatabase () {
  const name = `${inject('templateDatabase')}_g${randomBytes(4).toString('hex')}`
  await admin.query(`CREATE DATABASE ${name}`)
  cleanup.push(() => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  const url = new URL(inject('adminUrl'))
  url.pathname = `/${name}`
  const pool = droppablePool(url.href)
  cleanup.push(() => pool.end())
  return { url: url.href, pool }
}

const ids = {
  actor: '0190f3a4-7b2c-7d3e-8f40-000000000001',
  source: '0190f3a4-7b2c-7d3e-8f40-000000000002',
  incident: '0190f3a4-7b2c-7d3e-8f40-000000000003',
  statement: '0190f3a4-7b2c-7d3e-8f40-000000000004'
}

describe(`migration ${MIGRATION}`, () => {
  it('carries existing actors, sources, incidents and statements forward with empty new fields, and search still finds them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sitrep-g-migrations-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    const all = (await readdir(defaultMigrationsDir)).sort()
    expect(all).toContain(MIGRATION)
    for (const name of all.filter((n) => n < MIGRATION)) await cp(join(defaultMigrationsDir, name), join(dir, name), { recursive: true })

    const db = await emptyDatabase()
    await migrate(db.url, { migrationsDir: dir })
    await db.pool.query('INSERT INTO actors (id, name, kind) VALUES ($1, \'Pakistan\', \'state\')', [ids.actor])
    await db.pool.query('INSERT INTO sources (id, url, title, publisher, kind, language) VALUES ($1, \'https://news.example.com/a\', \'Clashes\', \'Example News\', \'news_article\', \'en\')', [ids.source])
    await db.pool.query('INSERT INTO incidents (id, type, title, occurred_at, country_codes) VALUES ($1, \'airstrike\', \'Strikes in Paktika\', \'2025-10-09T21:30:00Z\', \'{AF}\')', [ids.incident])
    await db.pool.query('INSERT INTO statements (id, speaker_id, kind, summary, quote, language, stated_at) VALUES ($1, $2, \'confirmation\', \'Pakistan confirmed the strikes.\', \'We struck hideouts.\', \'en\', \'2025-10-10T08:00:00Z\')', [ids.statement, ids.actor])

    await cp(join(defaultMigrationsDir, MIGRATION), join(dir, MIGRATION), { recursive: true })
    expect(await migrate(db.url, { migrationsDir: dir })).toEqual({ applied: [MIGRATION] })

    const one = async (sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows
    expect(await one('SELECT title, type::text, acled_event_id, ucdp_ged_id, gdelt_event_id FROM incidents')).toEqual([
      { title: 'Strikes in Paktika', type: 'airstrike', acled_event_id: null, ucdp_ged_id: null, gdelt_event_id: null }
    ])
    expect(await one('SELECT title, author, archive_url FROM sources')).toEqual([{ title: 'Clashes', author: null, archive_url: null }])
    expect(await one('SELECT summary, quote, channel, place, original_quote, original_language FROM statements')).toEqual([
      { summary: 'Pakistan confirmed the strikes.', quote: 'We struck hideouts.', channel: null, place: null, original_quote: null, original_language: null }
    ])
    expect(await one('SELECT id::text FROM statements WHERE search @@ websearch_to_tsquery(\'english\', \'hideout\')')).toEqual([{ id: ids.statement }])

    // The new rules hold in the database itself, whatever a handler does.
    await expect(one('UPDATE statements SET original_quote = \'ہم نے حملہ کیا\'')).rejects.toThrow(/statements_original_quote_has_language/)
    await one('UPDATE statements SET original_quote = \'ہم نے حملہ کیا\', original_language = \'ur\'')
    expect(await one('SELECT id::text FROM statements WHERE search @@ websearch_to_tsquery(\'simple\', \'حملہ\')')).toEqual([{ id: ids.statement }])
    await one('UPDATE incidents SET acled_event_id = \'AFG1\'')
    const copy = 'INSERT INTO incidents (id, type, title, occurred_at, country_codes, acled_event_id) VALUES ($1, \'negotiation\', \'Talks\', now(), \'{AF}\', \'AFG1\')'
    await expect(one(copy, ['0190f3a4-7b2c-7d3e-8f40-000000000005'])).rejects.toThrow(/incidents_acled_event_id_key/)
    await one('UPDATE incidents SET deleted_at = now()')
    await one(copy, ['0190f3a4-7b2c-7d3e-8f40-000000000005'])
    await expect(one('UPDATE sources SET archive_url = \'ftp://archive.example/a\'')).rejects.toThrow(/sources_archive_url_shape/)
  })
})
