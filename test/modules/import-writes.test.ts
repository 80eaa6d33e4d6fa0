import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { asOwner, droppablePool } from '../helpers/database.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'

// What the import's statements make PostgreSQL do: each new incident is written once, with its link
// columns, and new actors get their names from one statement-level trigger (migration k_import_triggers).

let t: TestContext
let db: pg.Pool
const ndjson = (...lines: object[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n'
const post = (body: string) => t.http().post('/v1/import').set(t.auth()).set('content-type', 'application/x-ndjson').send(body)

beforeAll(async () => {
  t = await createTestApp()
  db = droppablePool(t.ownerUrl, 2)
})
afterAll(async () => { await db.end() })

describe('POST /v1/import, as PostgreSQL runs it', () => {
  it('when incidents come with roles, cited statements, sources and relations, then each is inserted once with link columns equal to its link tables', async () => {
    // Counts every row update of incidents (the link triggers' refresh rewrote each new incident once per link table).
    await asOwner(t.ownerUrl, `CREATE TABLE test_incident_updates (id uuid);
      CREATE FUNCTION test_count_incident_update() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN
        INSERT INTO test_incident_updates VALUES (NEW.id); RETURN NULL;
      END $$;
      CREATE TRIGGER test_count_incident_update AFTER UPDATE ON incidents FOR EACH ROW EXECUTE FUNCTION test_count_incident_update()`)
    try {
      const res = await post(ndjson(
        { entity: 'actor', ref: 'army', data: { name: 'Writes army', kind: 'military' } },
        { entity: 'actor', ref: 'militia', data: { name: 'Writes militia', kind: 'armed_group' } },
        { entity: 'source', ref: 'a', data: { url: 'https://writes.example.com/a', title: 'A', publisher: 'Example', kind: 'news_article', language: 'en' } },
        { entity: 'source', ref: 'b', data: { url: 'https://writes.example.com/b', title: 'B', publisher: 'Example', kind: 'news_article', language: 'en' } },
        {
          entity: 'incident',
          ref: 'raid',
          data: {
            type: 'armed_clash',
            title: 'Writes raid',
            occurredAt: '2025-10-12T00:00:00Z',
            countryCodes: ['AF'],
            sourceIds: [{ ref: 'b' }, { ref: 'a' }],
            actors: [{ actorId: { ref: 'militia' }, role: 'perpetrator' }, { actorId: { ref: 'army' }, role: 'target', statementIds: [{ ref: 'claim' }] }],
            relations: [{ incidentId: { ref: 'strike' }, kind: 'responds_to', assertedById: { ref: 'army' }, statementIds: [{ ref: 'claim' }] }]
          }
        },
        { entity: 'incident', ref: 'strike', data: { type: 'airstrike', title: 'Writes strike', occurredAt: '2025-10-13T00:00:00Z', countryCodes: ['AF'], actors: [{ actorId: { ref: 'army' }, role: 'perpetrator' }], sourceIds: [{ ref: 'a' }] } },
        { entity: 'incident', ref: 'bare', data: { type: 'shelling', title: 'Writes bare', occurredAt: '2025-10-14T00:00:00Z', countryCodes: ['AF'] } },
        { entity: 'statement', ref: 'claim', data: { speakerId: { ref: 'army' }, kind: 'claim', summary: 'Said so.', language: 'en', statedAt: '2025-10-13T12:00:00Z', incidentIds: [{ ref: 'strike' }] } }
      ))
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      const { refs } = res.body
      const raid = (await t.http().get(`/v1/incidents/${refs.raid}`)).body
      expect(raid.sourceIds).toEqual([refs.b, refs.a])
      expect(raid.actors.map((a: any) => [a.actorId, a.statementIds])).toEqual([[refs.militia, []], [refs.army, [refs.claim]]])
      expect(raid.relations).toMatchObject([{ incidentId: refs.strike, kind: 'responds_to', assertedById: refs.army, statementIds: [refs.claim] }])
      expect((await t.http().get(`/v1/incidents/${refs.bare}`)).body).toMatchObject({ actors: [], sourceIds: [], relations: [] })

      // Only the incident whose role and relation cite a statement is refreshed, once per statement link table.
      const { rows: updates } = await db.query('SELECT id::text FROM test_incident_updates')
      expect(updates.map((u) => u.id)).toEqual([refs.raid, refs.raid])

      const client = await db.connect()
      try {
        await client.query('BEGIN')
        await client.query(`CREATE TEMP TABLE stored ON COMMIT DROP AS
          SELECT id, actor_links::text AS a, source_links::text AS s, relation_links::text AS r FROM incidents`)
        await client.query(`ALTER TABLE incidents DISABLE TRIGGER test_count_incident_update;
          UPDATE incidents SET actor_links = '[]', source_links = '[]', relation_links = '[]'`)
        await client.query(`SELECT refresh_incident_actor_links(ids), refresh_incident_source_links(ids), refresh_incident_relation_links(ids)
          FROM (SELECT ARRAY(SELECT id FROM incidents) AS ids) x`)
        // The same text as the refresh functions write, not only the same JSON: exports copy it as it is.
        const { rows } = await client.query(`SELECT i.id::text FROM incidents i JOIN stored x USING (id)
          WHERE i.actor_links::text <> x.a OR i.source_links::text <> x.s OR i.relation_links::text <> x.r`)
        expect(rows).toEqual([])
      } finally {
        await client.query('ROLLBACK')
        client.release()
      }
    } finally {
      await asOwner(t.ownerUrl, 'DROP TRIGGER test_count_incident_update ON incidents; DROP FUNCTION test_count_incident_update(); DROP TABLE test_incident_updates')
    }
  })

  it('when actors come with aliases, then each holds its name and distinct aliases, and a name held twice in the file is refused', async () => {
    const res = await post(ndjson(
      { entity: 'actor', ref: 'front', data: { name: 'Names Front', kind: 'armed_group', aliases: ['NF', 'names front', 'Nâmes  Front', 'The Front'] } },
      { entity: 'actor', ref: 'brigade', data: { name: 'Names Brigade', kind: 'armed_group' } }
    ))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const { rows } = await db.query('SELECT actor_id::text AS id, name, is_alias AS alias FROM actor_names WHERE actor_id = ANY($1::uuid[]) ORDER BY actor_id, key',
      [[res.body.refs.front, res.body.refs.brigade]])
    // ids are time-ordered, so the first line's actor comes first; its names by key: the name, then each distinct alias.
    expect(rows.map((r) => [r.id === res.body.refs.front ? 'front' : 'brigade', r.name, r.alias])).toEqual([
      ['front', 'Names Front', false], ['front', 'NF', true], ['front', 'The Front', true], ['brigade', 'Names Brigade', false]
    ])
    expect((await t.http().get('/v1/actors?q=the%20front')).body.data.map((a: any) => a.id)).toEqual([res.body.refs.front])

    const clash = await post(ndjson({ entity: 'actor', data: { name: 'Other', kind: 'other', aliases: ['nf'] } }))
    expect(clash.status).toBe(400)
    expect(clash.body.errors).toMatchObject([{ line: 1, path: 'data' }])
  })
})
