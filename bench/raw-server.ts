// The yardstick for `npm run bench`: what a hand-written Fastify + pg server does for the
// benchmark's workloads. The same SQL as sitrep (one query per page, links aggregated in the
// row), the same JSON shapes, and nothing else: no validation, no auth, no rate limit, no ETag,
// no security headers, no metrics, no spec. Only the query parameters the workloads use.
//
//   DATABASE_URL=… PORT=… tsx bench/raw-server.ts

import Fastify from 'fastify'
import pg from 'pg'
import { acledCrosswalk } from '../src/modules/incidents/acled.ts'

// The same pool as sitrep's (src/plugins/database.ts): 10 connections, 15 s statement timeout.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, statement_timeout: 15000 })
const app = Fastify({ logger: false })

const fields = (alias: string, names: string[]) =>
  names.map((f) => (f.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`) === f ? `${alias}.${f}` : `${alias}.${f.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)} AS "${f}"`)).join(', ')

const incidentRow = `${fields('i', ['id', 'type', 'title', 'summary', 'status', 'occurredAt', 'endedAt', 'datePrecision', 'countryCodes', 'locationName',
  'locationAdmin1', 'locationCountry', 'lat', 'lon', 'locationPrecision', 'tags', 'fatalitiesLow', 'fatalitiesBest', 'fatalitiesHigh',
  'contested', 'createdAt', 'updatedAt', 'version', 'deletedAt'])},
  coalesce((SELECT json_agg(json_build_object('actorId', ia.actor_id, 'role', ia.role) ORDER BY ia.position)
    FROM incident_actors ia WHERE ia.incident_id = i.id), '[]') AS actors,
  coalesce((SELECT json_agg(json_build_object('sourceId', src.source_id) ORDER BY src.position)
    FROM incident_sources src WHERE src.incident_id = i.id), '[]') AS sources`

const statementRow = `${fields('s', ['id', 'speakerId', 'speakerTitle', 'kind', 'summary', 'quote', 'language', 'statedAt', 'datePrecision',
  'respondsToId', 'createdAt', 'updatedAt', 'version', 'deletedAt'])},
  coalesce((SELECT json_agg(json_build_object('incidentId', si.incident_id) ORDER BY si.position) FROM statement_incidents si
    WHERE si.statement_id = s.id AND EXISTS (SELECT 1 FROM incidents li WHERE li.id = si.incident_id AND li.deleted_at IS NULL)), '[]') AS incidents,
  coalesce((SELECT json_agg(json_build_object('actorId', sa.actor_id) ORDER BY sa.position) FROM statement_about_actors sa
    WHERE sa.statement_id = s.id), '[]') AS "aboutActors",
  coalesce((SELECT json_agg(json_build_object('sourceId', ss.source_id) ORDER BY ss.position) FROM statement_sources ss
    WHERE ss.statement_id = s.id), '[]') AS sources`

type Row = Record<string, any>

const incident = (i: Row) => ({
  id: i.id,
  type: i.type,
  title: i.title,
  summary: i.summary,
  status: i.status,
  occurredAt: i.occurredAt.toISOString(),
  endedAt: i.endedAt?.toISOString() ?? null,
  datePrecision: i.datePrecision,
  countryCodes: i.countryCodes,
  location: i.lat === null ? null : { name: i.locationName, admin1: i.locationAdmin1, countryCode: i.locationCountry, lat: i.lat, lon: i.lon, precision: i.locationPrecision },
  actors: i.actors,
  tags: i.tags,
  sourceIds: i.sources.map((s: Row) => s.sourceId),
  fatalities: i.fatalitiesBest === null ? null : { low: i.fatalitiesLow, best: i.fatalitiesBest, high: i.fatalitiesHigh },
  contested: i.contested,
  acled: acledCrosswalk[i.type as keyof typeof acledCrosswalk],
  createdAt: i.createdAt.toISOString(),
  updatedAt: i.updatedAt.toISOString(),
  version: i.version
})

const statement = (s: Row) => ({
  id: s.id,
  speakerId: s.speakerId,
  speakerTitle: s.speakerTitle,
  kind: s.kind,
  summary: s.summary,
  quote: s.quote,
  language: s.language,
  statedAt: s.statedAt.toISOString(),
  datePrecision: s.datePrecision,
  incidentIds: s.incidents.map((l: Row) => l.incidentId),
  aboutActorIds: s.aboutActors.map((l: Row) => l.actorId),
  respondsToId: s.respondsToId,
  sourceIds: s.sources.map((l: Row) => l.sourceId),
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
  version: s.version
})

const list = (q: Row, key: string) => (q[key] === undefined ? undefined : String(q[key]).split(','))
const cursorOf = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString('base64url')

function incidentWhere (q: Row, values: unknown[]) {
  const c = ['i.deleted_at IS NULL']
  const p = (v: unknown) => { values.push(v); return `$${values.length}` }
  if (q.type) c.push(`i.type = ANY(${p(list(q, 'type'))}::"IncidentType"[])`)
  if (q.country) c.push(`i.country_codes && ${p(list(q, 'country'))}::text[]`)
  if (q.actor) c.push(`EXISTS (SELECT 1 FROM incident_actors ia WHERE ia.incident_id = i.id AND ia.actor_id = ANY(${p(list(q, 'actor'))}::uuid[]))`)
  if (q.from) c.push(`i.occurred_at >= ${p(q.from)}`)
  if (q.to) c.push(`i.occurred_at < ${p(q.to)}`)
  if (q.q) c.push(`i.search @@ websearch_to_tsquery('english', ${p(q.q)})`)
  if (q.bbox) {
    const [a, b, x, y] = String(q.bbox).split(',').map(Number)
    c.push(`point(i.lon, i.lat) <@ box(point(${p(a)}::float8, ${p(b)}::float8), point(${p(x)}::float8, ${p(y)}::float8))`, 'i.lat IS NOT NULL')
  }
  if (q.after) {
    const [at, id] = JSON.parse(Buffer.from(String(q.after), 'base64url').toString()) as [string, string]
    c.push(`(i.occurred_at, i.id) < (${p(at)}::timestamptz, ${p(id)}::uuid)`)
  }
  return `WHERE ${c.join(' AND ')}`
}

async function expand (views: Row[], include: string[]) {
  if (include.includes('actors')) {
    const ids = [...new Set(views.flatMap((v) => v.actors.map((a: Row) => a.actorId)))]
    const { rows } = await pool.query('SELECT * FROM actors WHERE id = ANY($1::uuid[])', [ids])
    const byId = new Map(rows.map((r) => [r.id, r]))
    for (const v of views) v.actors = v.actors.map((a: Row) => ({ ...a, actor: byId.get(a.actorId) }))
  }
  if (include.includes('sources')) {
    const ids = [...new Set(views.flatMap((v) => v.sourceIds))]
    const { rows } = await pool.query('SELECT * FROM sources WHERE id = ANY($1::uuid[])', [ids])
    const byId = new Map(rows.map((r) => [r.id, r]))
    for (const v of views) v.sources = v.sourceIds.map((id: string) => byId.get(id))
  }
  if (include.includes('casualties')) {
    const { rows } = await pool.query(`SELECT r.*, coalesce((SELECT json_agg(rs.source_id ORDER BY rs.position) FROM casualty_report_sources rs
      WHERE rs.casualty_report_id = r.id), '[]') AS source_ids FROM casualty_reports r
      WHERE r.incident_id = ANY($1::uuid[]) AND r.deleted_at IS NULL ORDER BY r.created_at, r.id`, [views.map((v) => v.id)])
    for (const v of views) v.casualtyReports = rows.filter((r) => r.incident_id === v.id)
  }
  return views
}

app.get('/v1/incidents', async (request, reply) => {
  const q = request.query as Row
  const limit = Number(q.limit ?? 50)
  if (q.format === 'ndjson') {
    reply.type('application/x-ndjson')
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson' })
    let after: string | undefined
    for (;;) {
      const values: unknown[] = []
      const { rows } = await pool.query(`SELECT ${incidentRow} FROM incidents i ${incidentWhere({ ...q, after }, values)}
        ORDER BY i.occurred_at DESC, i.id DESC LIMIT 1001`, values)
      const page = rows.slice(0, 1000)
      if (!reply.raw.write(page.map((r) => `${JSON.stringify(incident(r))}\n`).join(''))) await new Promise((resolve) => reply.raw.once('drain', resolve))
      if (rows.length <= 1000) break
      const last = page[page.length - 1]
      after = cursorOf(last.occurredAt.toISOString(), last.id)
    }
    reply.raw.end()
    return reply
  }
  const values: unknown[] = []
  const { rows } = await pool.query(`SELECT ${incidentRow} FROM incidents i ${incidentWhere(q, values)}
    ORDER BY i.occurred_at DESC, i.id DESC LIMIT ${limit + 1}`, values)
  const data = await expand(rows.slice(0, limit).map(incident), list(q, 'include') ?? [])
  const last = rows.length > limit ? rows[limit - 1] : undefined
  return { data, page: { limit, nextCursor: last ? cursorOf(last.occurredAt.toISOString(), last.id) : null } }
})

app.get('/v1/incidents/:id', async (request, reply) => {
  const { rows } = await pool.query(`SELECT ${incidentRow} FROM incidents i WHERE i.id = ANY($1::uuid[]) AND i.deleted_at IS NULL`,
    [[(request.params as Row).id]])
  if (rows.length === 0) return reply.code(404).send({ status: 404 })
  return incident(rows[0])
})

app.get('/v1/statements', async (request) => {
  const q = request.query as Row
  const limit = Number(q.limit ?? 50)
  const values: unknown[] = [list(q, 'speaker'), list(q, 'kind')]
  const { rows } = await pool.query(`SELECT ${statementRow} FROM statements s
    WHERE s.deleted_at IS NULL AND s.kind = ANY($2::"StatementKind"[]) AND s.speaker_id = ANY($1::uuid[])
    ORDER BY s.stated_at DESC, s.id DESC LIMIT ${limit + 1}`, values)
  const last = rows.length > limit ? rows[limit - 1] : undefined
  return { data: rows.slice(0, limit).map(statement), page: { limit, nextCursor: last ? cursorOf(last.statedAt.toISOString(), last.id) : null } }
})

app.get('/v1/timeline', async (request) => {
  const limit = Number((request.query as Row).limit ?? 50)
  const [incidents, statements] = await Promise.all([
    pool.query(`SELECT ${incidentRow} FROM incidents i WHERE i.deleted_at IS NULL ORDER BY i.occurred_at DESC, i.id DESC LIMIT ${limit + 1}`),
    pool.query(`SELECT ${statementRow} FROM statements s WHERE s.deleted_at IS NULL ORDER BY s.stated_at DESC, s.id DESC LIMIT ${limit + 1}`)
  ])
  const entries = [
    ...incidents.rows.map((r) => ({ kind: 'incident', at: r.occurredAt.toISOString(), item: incident(r) })),
    ...statements.rows.map((r) => ({ kind: 'statement', at: r.statedAt.toISOString(), item: statement(r) }))
  ].sort((x, y) => x.at === y.at ? (x.item.id < y.item.id ? 1 : -1) : (x.at < y.at ? 1 : -1))
  const last = entries.length > limit ? entries[limit - 1] : undefined
  return { data: entries.slice(0, limit), page: { limit, nextCursor: last ? cursorOf(last.at, last.item.id) : null } }
})

const buckets: Record<string, string> = {
  type: 'i.type::text',
  month: "to_char(date_trunc('month', i.occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
}

app.get('/v1/stats/incidents', async (request) => {
  const q = request.query as Row
  const dims = String(q.groupBy).split(',')
  const values: unknown[] = []
  const { rows } = await pool.query(`SELECT ${dims.map((d) => `${buckets[d]} AS ${d}`).join(', ')},
      count(*)::int AS count, coalesce(sum(i.fatalities_low), 0)::int AS low, coalesce(sum(i.fatalities_best), 0)::int AS best,
      coalesce(sum(i.fatalities_high), 0)::int AS high, (count(*) FILTER (WHERE i.contested))::int AS contested
    FROM incidents i ${incidentWhere(q, values)} GROUP BY ${dims.map((d) => buckets[d]).join(', ')} ORDER BY ${dims.map((d) => buckets[d]).join(', ')}`, values)
  return { groupBy: dims, data: rows.map((r) => ({ ...Object.fromEntries(dims.map((d) => [d, r[d]])), count: r.count, fatalities: { low: r.low, best: r.best, high: r.high }, contested: r.contested })) }
})

app.get('/readyz', async () => ({ status: 'ok' }))

await app.listen({ port: Number(process.env.PORT ?? 3001), host: '127.0.0.1' })
const stop = () => { app.close().then(() => pool.end()).finally(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
