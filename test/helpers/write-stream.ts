import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { expect } from 'vitest'

// Concurrent writes of every shape (a five-line import, an actor, an incident with links, a casualty
// report that changes its incident's roll-up), each marked with a token so that its rows can be
// found afterwards whatever the response said.

export type WriteOp = 'import' | 'actor' | 'incident' | 'casualty'

export interface WriteRecord {
  op: WriteOp
  token: string
  status: number
  body: any
  retryAfter: string | null
  startedAt: number
  endedAt: number
}

const at = '2025-10-13T00:00:00.000Z'

function importBody (tok: string) {
  const lines = [
    { entity: 'actor', ref: 'a', data: { name: `Actor ${tok}`, kind: 'armed_group' } },
    { entity: 'source', ref: 's', data: { url: `https://faults.example/${tok}`, title: `Source ${tok}`, publisher: 'Faults', kind: 'report', language: 'en' } },
    { entity: 'incident', ref: 'i', data: { type: 'shelling', title: `Incident ${tok}`, occurredAt: at, countryCodes: ['AF'], actors: [{ actorId: { ref: 'a' }, role: 'perpetrator' }], sourceIds: [{ ref: 's' }] } },
    { entity: 'casualtyReport', ref: 'c', data: { incidentId: { ref: 'i' }, reportedById: { ref: 'a' }, sourceIds: [{ ref: 's' }], category: 'killed', min: 2, qualifier: 'at_least', groups: ['civilians'], note: `Casualty ${tok}` } },
    { entity: 'statement', ref: 'st', data: { speakerId: { ref: 'a' }, kind: 'claim', summary: `Statement ${tok}`, language: 'en', statedAt: at, incidentIds: [{ ref: 'i' }], sourceIds: [{ ref: 's' }] } }
  ]
  return lines.map((l) => JSON.stringify(l)).join('\n')
}

export function writeStream (app: FastifyInstance, auth: { authorization: string }, records: WriteRecord[], workers = 8) {
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const state = { running: true }

  async function send (op: WriteOp, token: string, path: string, body: string, type = 'application/json') {
    const startedAt = performance.now()
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { ...auth, 'content-type': type }, body })
      .catch((err: Error) => ({ status: 0, headers: new Headers(), text: async () => JSON.stringify(String(err)) }))
    const text = await res.text()
    const record: WriteRecord = {
      op, token, status: res.status, body: text ? JSON.parse(text) : null, retryAfter: res.headers.get('retry-after'), startedAt, endedAt: performance.now()
    }
    records.push(record)
    // A real client waits Retry-After; a short pause keeps the stream going without spinning.
    if (res.status >= 500) await sleep(20)
    return record
  }

  const fixtures = (async () => {
    const post = async (path: string, body: object) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      expect(res.status).toBe(201)
      return ((await res.json()) as { id: string }).id
    }
    return {
      actor: await post('/v1/actors', { name: 'Fixture actor', kind: 'military' }),
      source: await post('/v1/sources', { url: 'https://faults.example/fixture', title: 'Fixture', publisher: 'Faults', kind: 'report', language: 'en' })
    }
  })()

  async function worker () {
    const { actor, source } = await fixtures
    let incident: string | null = null
    for (let i = 0; state.running; i++) {
      const tok = randomBytes(6).toString('hex')
      if (incident) {
        await send('casualty', tok, `/v1/incidents/${incident}/casualties`,
          JSON.stringify({ reportedById: actor, category: 'killed', min: 1, qualifier: 'exact', note: `Casualty ${tok}` }))
        incident = null
      } else if (i % 3 === 0) {
        await send('import', tok, '/v1/import', importBody(tok), 'application/x-ndjson')
      } else if (i % 3 === 1) {
        await send('actor', tok, '/v1/actors', JSON.stringify({ name: `Actor ${tok}`, kind: 'other' }))
      } else {
        const r = await send('incident', tok, '/v1/incidents', JSON.stringify({
          type: 'shelling', title: `Incident ${tok}`, occurredAt: at, countryCodes: ['PK'], actors: [{ actorId: actor, role: 'target' }], sourceIds: [source]
        }))
        if (r.status === 201) incident = r.body.id
      }
    }
  }

  const loops = Array.from({ length: workers }, () => worker())
  loops.forEach((l) => l.catch(() => {}))

  return {
    /** Resolves once `done()` holds, while the writes keep streaming. */
    async until (done: () => boolean, timeoutMs: number) {
      const deadline = Date.now() + timeoutMs
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`write stream: condition not reached in ${timeoutMs} ms (${records.length} requests)`)
        await sleep(10)
      }
    },
    async stop () {
      state.running = false
      await Promise.all(loops)
    }
  }
}

type Footprint = Record<'actors' | 'sources' | 'incidents' | 'incidentActors' | 'incidentSources' | 'casualties' | 'statements' | 'statementIncidents' | 'changes', number>

const none: Footprint = { actors: 0, sources: 0, incidents: 0, incidentActors: 0, incidentSources: 0, casualties: 0, statements: 0, statementIncidents: 0, changes: 0 }

/**
 * Every row a complete write of each kind leaves, with its `created` change-log entries. Updates (a
 * casualty report's roll-up bumps its incident) are checked by the version invariant instead.
 */
const complete: Record<WriteOp, Footprint> = {
  import: { actors: 1, sources: 1, incidents: 1, incidentActors: 1, incidentSources: 1, casualties: 1, statements: 1, statementIncidents: 1, changes: 5 },
  actor: { ...none, actors: 1, changes: 1 },
  incident: { ...none, incidents: 1, incidentActors: 1, incidentSources: 1, changes: 1 },
  casualty: { ...none, casualties: 1, changes: 1 }
}

const footprintSql = `SELECT
  (SELECT count(*) FROM actors WHERE name = 'Actor ' || $1)::int AS "actors",
  (SELECT count(*) FROM sources WHERE title = 'Source ' || $1)::int AS "sources",
  (SELECT count(*) FROM incidents WHERE title = 'Incident ' || $1)::int AS "incidents",
  (SELECT count(*) FROM incident_actors l JOIN incidents i ON i.id = l.incident_id WHERE i.title = 'Incident ' || $1)::int AS "incidentActors",
  (SELECT count(*) FROM incident_sources l JOIN incidents i ON i.id = l.incident_id WHERE i.title = 'Incident ' || $1)::int AS "incidentSources",
  (SELECT count(*) FROM casualty_reports WHERE note = 'Casualty ' || $1)::int AS "casualties",
  (SELECT count(*) FROM statements WHERE summary = 'Statement ' || $1)::int AS "statements",
  (SELECT count(*) FROM statement_incidents l JOIN statements s ON s.id = l.statement_id WHERE s.summary = 'Statement ' || $1)::int AS "statementIncidents",
  (SELECT count(*) FROM changes WHERE action = 'created' AND strpos(after::text, $1) > 0)::int AS "changes"`

const tables = { actor: 'actors', source: 'sources', incident: 'incidents', casualtyReport: 'casualty_reports', statement: 'statements' }

/** Invariants over the whole database that a half-written transaction would break. */
async function expectConsistent (db: pg.Client) {
  const exists = Object.values(tables).map((t) => `SELECT 1 FROM ${t} WHERE id = c.entity_id`).join(' UNION ALL ')
  const orphans = await db.query(`SELECT entity, entity_id FROM changes c WHERE NOT EXISTS (${exists})`)
  expect(orphans.rows, 'change-log entries without their row').toEqual([])
  for (const [entity, table] of Object.entries(tables)) {
    const drift = await db.query(`SELECT t.id, t.version, c.n, c.v FROM ${table} t
      LEFT JOIN (SELECT entity_id, count(*)::int AS n, max(version) AS v FROM changes WHERE entity = $1 GROUP BY entity_id) c ON c.entity_id = t.id
      WHERE c.n IS DISTINCT FROM t.version OR c.v IS DISTINCT FROM t.version`, [entity])
    expect(drift.rows, `${table} whose version does not match their change log`).toEqual([])
  }
  const rollUp = await db.query(`SELECT i.id FROM incidents i WHERE (i.fatalities_best IS NULL) <> NOT EXISTS
    (SELECT 1 FROM casualty_reports r WHERE r.incident_id = i.id AND r.category = 'killed' AND r.deleted_at IS NULL)`)
  expect(rollUp.rows, 'incidents whose fatality roll-up disagrees with their reports').toEqual([])
}

/** The ids a 2xx answer gave, as API paths that must now read 200. */
function readPaths (r: WriteRecord): string[] {
  if (r.op === 'import') {
    const { a, s, i, st } = r.body.refs
    return [`/v1/actors/${a}`, `/v1/sources/${s}`, `/v1/incidents/${i}`, `/v1/statements/${st}`, `/v1/casualties/${r.body.refs.c}`]
  }
  const collection = { actor: 'actors', incident: 'incidents', casualty: 'casualties' }[r.op]
  return [`/v1/${collection}/${r.body.id}`]
}

export async function verifyWrites (app: FastifyInstance, databaseUrl: string, records: WriteRecord[]) {
  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  let inDoubt = 0
  try {
    await expectConsistent(db)
    for (const r of records) {
      const { rows: [found] } = await db.query<Footprint>(footprintSql, [r.token])
      const what = `${r.op} ${r.token} answered ${r.status}`
      if (r.status < 300) {
        expect(found, what).toEqual(complete[r.op])
        for (const path of readPaths(r)) {
          expect((await app.inject({ method: 'GET', url: path })).statusCode, `${what}: GET ${path}`).toBe(200)
        }
      } else {
        expect([complete[r.op], none], `${what}: all of it or none of it`).toContainEqual(found)
        if (found.changes > 0) inDoubt++
      }
    }
  } finally {
    await db.end()
  }
  return { inDoubt }
}
