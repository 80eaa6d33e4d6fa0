import { randomBytes } from 'node:crypto'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { defaultMigrationsDir, migrate } from '../../src/db/migrate.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { createActor, createSource } from '../factories/index.ts'
import { droppablePool } from '../helpers/database.ts'

// An incident's links live in its link tables and, as the views show them, in three JSON columns
// on the row (migration k_incident_links) that statement-level triggers keep current. These tests
// recompute the columns from the link tables (in a transaction that is rolled back) and require
// what was stored to be the same, after writes through every path that touches a link table.

const MIGRATION = '20261207060000_k_incident_links'
const admin = new pg.Pool({ connectionString: inject('adminUrl'), max: 2 })
const created: string[] = []
let dir: string | undefined

afterAll(async () => {
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.end()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** The incidents whose stored link columns differ from the link tables (recomputed, then rolled back). */
async function staleIncidents (db: pg.Pool): Promise<string[]> {
  const client = await db.connect()
  try {
    await client.query('BEGIN')
    await client.query(`CREATE TEMP TABLE stored ON COMMIT DROP AS
      SELECT id, actor_links::jsonb AS a, source_links::jsonb AS s, relation_links::jsonb AS r FROM incidents`)
    await client.query(`SELECT refresh_incident_actor_links(ids), refresh_incident_source_links(ids), refresh_incident_relation_links(ids)
      FROM (SELECT ARRAY(SELECT id FROM incidents) AS ids) x`)
    const { rows } = await client.query<{ id: string }>(`SELECT i.id FROM incidents i JOIN stored x USING (id)
      WHERE i.actor_links::jsonb <> x.a OR i.source_links::jsonb <> x.s OR i.relation_links::jsonb <> x.r`)
    return rows.map((r) => r.id)
  } finally {
    await client.query('ROLLBACK')
    client.release()
  }
}

describe('link columns through the API', () => {
  let t: TestContext
  let db: pg.Pool
  const id: Record<string, string> = {}
  beforeAll(async () => {
    t = await createTestApp()
    db = droppablePool(t.ownerUrl, 2)
    for (const name of ['pak', 'ttp', 'afg', 'dup']) id[name] = (await createActor(t, { name: `Links ${name}` })).id
    for (const name of ['s1', 's2']) id[name] = (await createSource(t, { url: `https://example.org/links/${name}` })).id
  })
  afterAll(async () => { await db.end() })

  it('when incidents, roles, statements, relations, denials, merges and deletes are written, then every row\'s link columns equal its link tables', async () => {
    const ok = (res: { status: number, body: unknown }, status: number) => expect(res.status, JSON.stringify(res.body)).toBe(status)
    const stated = await t.http().post('/v1/statements').set(t.auth())
      .send({ speakerId: id.pak, kind: 'claim', summary: 'We struck hideouts', language: 'en', statedAt: '2025-10-10T00:00:00Z' })
    ok(stated, 201)
    const strikes = await t.http().post('/v1/incidents').set(t.auth()).send({
      type: 'airstrike',
      title: 'Strikes',
      occurredAt: '2025-10-09T21:30:00Z',
      countryCodes: ['AF'],
      sourceIds: [id.s1],
      actors: [{ actorId: id.pak, role: 'perpetrator' }, { actorId: id.ttp, role: 'target', attribution: 'alleged', assertedById: id.pak, statementIds: [stated.body.id] }]
    })
    ok(strikes, 201)
    const attacks = await t.http().post('/v1/incidents').set(t.auth()).send({
      type: 'militant_attack', title: 'Attacks', occurredAt: '2025-10-08T00:00:00Z', countryCodes: ['PK'], actors: [{ actorId: id.dup, role: 'perpetrator' }]
    })
    ok(attacks, 201)
    expect(await staleIncidents(db)).toEqual([])

    // A relation with its statement, then the roles and sources replaced and reordered.
    const patch = (incident: string, body: object) => t.http().patch(`/v1/incidents/${incident}`).set(t.auth())
      .set('content-type', 'application/merge-patch+json').send(body)
    ok(await patch(strikes.body.id, { relations: [{ incidentId: attacks.body.id, kind: 'responds_to', assertedById: id.pak, statementIds: [stated.body.id] }] }), 200)
    ok(await patch(strikes.body.id, {
      sourceIds: [id.s2, id.s1],
      actors: [{ actorId: id.ttp, role: 'target', attribution: 'alleged', assertedById: id.pak, statementIds: [stated.body.id] }, { actorId: id.pak, role: 'perpetrator' }]
    }), 200)
    expect(await staleIncidents(db)).toEqual([])

    // A denial by the target disputes its role (a derived refresh of incident_actors).
    const denial = await t.http().post('/v1/statements').set(t.auth()).send({
      speakerId: id.ttp,
      kind: 'denial',
      summary: 'We were not there',
      language: 'en',
      statedAt: '2025-10-11T00:00:00Z',
      incidentIds: [strikes.body.id],
      respondsToId: stated.body.id
    })
    ok(denial, 201)
    const read = await t.http().get(`/v1/incidents/${strikes.body.id}`)
    expect(read.body.actors.find((a: { role: string }) => a.role === 'target')).toMatchObject({ actorId: id.ttp, disputed: true })
    expect(read.body.relations).toEqual([{ incidentId: attacks.body.id, kind: 'responds_to', assertedById: id.pak, statementIds: [stated.body.id] }])
    expect(read.body.sourceIds).toEqual([id.s2, id.s1])
    expect(await staleIncidents(db)).toEqual([])

    // A merge rewrites another incident's role to the surviving actor.
    ok(await t.http().post(`/v1/actors/${id.dup}/merge`).set(t.auth()).send({ into: id.ttp }), 200)
    expect((await t.http().get(`/v1/incidents/${attacks.body.id}`)).body.actors).toMatchObject([{ actorId: id.ttp, role: 'perpetrator' }])
    expect(await staleIncidents(db)).toEqual([])

    // Links removed, then an incident deleted.
    ok(await patch(strikes.body.id, { relations: [], actors: [] }), 200)
    expect((await t.http().get(`/v1/incidents/${strikes.body.id}`)).body).toMatchObject({ actors: [], relations: [] })
    ok(await t.http().delete(`/v1/incidents/${attacks.body.id}`).set(t.auth()), 204)
    expect(await staleIncidents(db)).toEqual([])
  })

  it('when the stored columns are made wrong behind the triggers\' back, then the check sees it (the check can fail)', async () => {
    const { rows: [row] } = await db.query('SELECT id FROM incidents LIMIT 1')
    const client = await db.connect()
    try {
      await client.query('BEGIN')
      await client.query('ALTER TABLE incidents DISABLE TRIGGER USER')
      await client.query('UPDATE incidents SET source_links = \'[{"sourceId":"00000000-0000-0000-0000-000000000000"}]\' WHERE id = $1', [row.id])
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents i WHERE i.source_links::jsonb <> coalesce((
        SELECT json_agg(json_build_object('sourceId', src.source_id) ORDER BY src.position) FROM incident_sources src WHERE src.incident_id = i.id), '[]')::jsonb`)
      expect(rows).toEqual([{ n: 1 }])
    } finally {
      await client.query('ROLLBACK')
      client.release()
    }
    expect(await staleIncidents(db)).toEqual([])
  })
})

describe(`migration ${MIGRATION}`, () => {
  it('when applied to a database with incidents and links, then every incident\'s columns hold its links, in order', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sitrep-links-'))
    const earlier = (await readdir(defaultMigrationsDir, { withFileTypes: true })).filter((d) => d.isDirectory() && d.name < MIGRATION).map((d) => d.name)
    for (const name of earlier) await cp(join(defaultMigrationsDir, name), join(dir, name), { recursive: true })
    await cp(join(defaultMigrationsDir, 'migration_lock.toml'), join(dir, 'migration_lock.toml'))

    const name = `${inject('templateDatabase')}_l${randomBytes(4).toString('hex')}`
    await admin.query(`CREATE DATABASE ${name}`)
    created.push(name)
    const url = new URL(inject('adminUrl'))
    url.pathname = `/${name}`
    const db = droppablePool(url.href)
    try {
      expect((await migrate(url.href, { migrationsDir: dir })).applied).toEqual(earlier.sort())
      const [a, b, pak, ttp, said, src, role] = [1, 2, 3, 4, 5, 6, 7].map((n) => `0190f3a4-7b2c-7d3e-8f40-00000000000${n}`)
      await db.query('INSERT INTO actors (id, name, kind) VALUES ($1, \'Pakistan\', \'state\'), ($2, \'TTP\', \'armed_group\')', [pak, ttp])
      await db.query('INSERT INTO sources (id, url, title, publisher, kind, language) VALUES ($1, \'https://example.org/a\', \'A\', \'P\', \'news_article\', \'en\')', [src])
      await db.query(`INSERT INTO incidents (id, type, title, occurred_at, country_codes) VALUES
        ($1, 'airstrike', 'Strikes', '2025-10-09T21:30:00Z', '{AF}'), ($2, 'militant_attack', 'Attacks', '2025-10-08T00:00:00Z', '{PK}')`, [a, b])
      await db.query('INSERT INTO statements (id, speaker_id, kind, summary, language, stated_at) VALUES ($1, $2, \'claim\', \'We struck\', \'en\', now())', [said, pak])
      await db.query(`INSERT INTO incident_actors (id, incident_id, actor_id, role, attribution, asserted_by_id, position) VALUES
        (gen_random_uuid(), $1, $2, 'perpetrator', 'confirmed', NULL, 1), ($4, $1, $3, 'target', 'alleged', $2, 0)`, [a, pak, ttp, role])
      await db.query('INSERT INTO incident_actor_statements (incident_actor_id, statement_id) VALUES ($1, $2)', [role, said])
      await db.query('INSERT INTO incident_sources (incident_id, source_id) VALUES ($1, $2)', [a, src])
      await db.query('INSERT INTO incident_relations (from_id, to_id, kind, asserted_by_id) VALUES ($1, $2, \'responds_to\', $3)', [a, b, pak])
      await db.query('INSERT INTO incident_relation_statements (from_id, to_id, kind, statement_id) VALUES ($1, $2, \'responds_to\', $3)', [a, b, said])

      expect((await migrate(url.href)).applied).toContain(MIGRATION)
      const { rows } = await db.query('SELECT id, actor_links AS a, source_links AS s, relation_links AS r FROM incidents ORDER BY id')
      expect(rows).toEqual([
        {
          id: a,
          a: [
            { id: role, actorId: ttp, role: 'target', attribution: 'alleged', assertedById: pak, disputed: false, statementIds: [said] },
            { id: expect.any(String), actorId: pak, role: 'perpetrator', attribution: 'confirmed', assertedById: null, disputed: false, statementIds: [] }
          ],
          s: [{ sourceId: src }],
          r: [{ toId: b, kind: 'responds_to', assertedById: pak, statementIds: [said] }]
        },
        { id: b, a: [], s: [], r: [] }
      ])
      expect(await staleIncidents(db)).toEqual([])
    } finally {
      await db.end()
    }
  })
})
