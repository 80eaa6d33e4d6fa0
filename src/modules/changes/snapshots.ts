import { Prisma } from '../../generated/prisma/client.ts'
import { POSITION_SQL } from '../../db/position.ts'
import { rawRows, type Reader } from '../../db/rows.ts'
import { validationProblem } from '../../http/problems.ts'
import type { Entity } from './repository.ts'

/**
 * Lists, exports and stats `asOf` a past position of the change log. Every write logs each record it
 * touches with its whole API view in `after` (creates, edits, deletes, merges, imports and the derived
 * roll-ups alike), so a record's last change at or before position N is what a mirror replaying the
 * log had then. The views are turned back into rows under the tables' own names, as CTEs that shadow
 * the tables: the lists' filter, sort, keyset and export SQL run over them unchanged. A record's row
 * keeps its view as `doc`, from which the exports read its links (`…ExportOf('log')`): a correlated
 * lookup in a link CTE, which has no index, would scan it once per record.
 */

/** A position of the change log, and whether no later commit can still land at or before it. */
export interface Snapshot {
  seq: string
  /** true when the answer can never change (a later entry already exists): cacheable for good */
  settled: boolean
}

/** asOf as the query gives it: `seq:N`, or a time. */
export type SnapshotRef = { seq: string } | { at: Date }

const problem = (message: string) => validationProblem([{ in: 'query', path: 'asOf', message }])

/**
 * The position an asOf names. `seq:N` past the log's last entry, or a time in the future, is a 400;
 * a time before the first entry is position 0, where nothing exists yet. A time names the last entry
 * stamped at or before it: `at` is taken under the log's lock and rises with seq, so those entries
 * are a prefix of the log. A transaction holding the lock may still commit an entry stamped before
 * that time, until an entry stamped after it exists: only then is the answer settled.
 */
export async function resolveSnapshot (on: Reader, ref: SnapshotRef): Promise<Snapshot> {
  if ('seq' in ref) {
    const [{ seq: last }] = await rawRows<{ seq: string }>(on, Prisma.raw(POSITION_SQL))
    if (BigInt(ref.seq) > BigInt(last)) throw problem(`seq:${ref.seq} is past the change log's last position, seq:${last}`)
    return { seq: ref.seq, settled: true }
  }
  const [row] = await rawRows<{ seq: string, settled: boolean, future: boolean }>(on, Prisma.sql`SELECT
    coalesce((SELECT c.seq FROM changes c WHERE c.at <= ${ref.at} ORDER BY c.at DESC, c.seq DESC LIMIT 1), 0)::text AS seq,
    EXISTS (SELECT 1 FROM changes c WHERE c.at > ${ref.at}) AS settled,
    ${ref.at}::timestamptz > clock_timestamp() AS future`)
  if (row.future) throw problem(`${ref.at.toISOString()} is in the future; the past does not reach it yet`)
  return { seq: row.seq, settled: row.settled }
}

/** Each record of `entity` as its last change at or before `seq` left it, deleted ones left out: (id, doc). */
const latestSql = (entity: Entity, seq: string) => Prisma.sql`SELECT v.entity_id AS id, v.after AS doc FROM (
    SELECT DISTINCT ON (c.entity_id) c.entity_id, c.action, c.after FROM changes c
    WHERE c.entity = ${entity} AND c.seq <= ${seq}::int8
    ORDER BY c.entity_id DESC, c.seq DESC) v
  WHERE v.action <> 'deleted' AND v.after IS NOT NULL`

const sql = Prisma.sql
const text = (path: string) => Prisma.raw(`x.doc #>> '{${path}}'`)
const time = (path: string) => sql`(${text(path)})::timestamptz`
const textArray = (key: string) => Prisma.raw(`ARRAY(SELECT jsonb_array_elements_text(coalesce(x.doc->'${key}', '[]')))`)
/** A record's list of ids: its rows (owner, item id, position), for a link table; `from` names the snapshot. */
const idList = (key: string, owner: string, item: string, from = 'snap') => Prisma.raw(`SELECT x.id AS ${owner}, l.v::uuid AS ${item}, l.n::int AS position
  FROM ${from} x CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(x.doc->'${key}', '[]')) WITH ORDINALITY AS l(v, n)`)
// Inlined where they are used, never computed whole: a query reads of a table's row only the columns it
// needs (the search vector only under q=), and a filter on a link table reaches the snapshot's scan.
const withTables = (tables: Array<[string, Prisma.Sql]>) =>
  Prisma.join(tables.map(([name, body]) => sql`${Prisma.raw(name)} AS NOT MATERIALIZED (${body})`), ', ')

// A role has a row id its statements point at; the log's views leave it out, so one is derived from
// the incident and the role's place, stable within a query (all the export SQL needs of it).
const roleId = Prisma.raw("md5(x.id::text || ':' || a.n)::uuid")
const roleItems = Prisma.raw('FROM snap x CROSS JOIN LATERAL jsonb_array_elements(coalesce(x.doc->\'actors\', \'[]\')) WITH ORDINALITY AS a(v, n)')
const relationItems = Prisma.raw('FROM snap x CROSS JOIN LATERAL jsonb_array_elements(coalesce(x.doc->\'relations\', \'[]\')) WITH ORDINALITY AS r(v, n)')

/**
 * The link columns the triggers of migration k_incident_links keep on a live row (read by
 * incidentColumnsSql), in their shapes, from the logged view: a read that takes an incident's links
 * from its row finds them in the past too. Inlined, they cost nothing where no query reads them.
 */
const incidentLinkColumns = sql`coalesce((SELECT json_agg(json_build_object('id', ${roleId}, 'actorId', a.v->'actorId', 'role', a.v->'role',
      'attribution', coalesce(a.v->'attribution', '"confirmed"'), 'assertedById', a.v->'assertedById', 'disputed', coalesce(a.v->'disputed', 'false'),
      'statementIds', coalesce(a.v->'statementIds', '[]')) ORDER BY a.n)
    FROM jsonb_array_elements(coalesce(x.doc->'actors', '[]')) WITH ORDINALITY AS a(v, n)), '[]') AS actor_links,
  coalesce((SELECT json_agg(json_build_object('sourceId', l.v) ORDER BY l.n)
    FROM jsonb_array_elements(coalesce(x.doc->'sourceIds', '[]')) WITH ORDINALITY AS l(v, n)), '[]') AS source_links,
  coalesce((SELECT json_agg(json_build_object('toId', r.v->'incidentId', 'kind', r.v->'kind', 'assertedById', r.v->'assertedById',
      'statementIds', coalesce(r.v->'statementIds', '[]')) ORDER BY r.n)
    FROM jsonb_array_elements(coalesce(x.doc->'relations', '[]')) WITH ORDINALITY AS r(v, n)), '[]') AS relation_links`

// Fields a view written before a later migration lacks take the default that migration gave the rows.
const incidentTables = (): Array<[string, Prisma.Sql]> => [
  ['incidents', sql`SELECT x.id, (${text('type')})::"IncidentType" AS type, ${text('title')} AS title, ${text('summary')} AS summary,
    (${text('status')})::"IncidentStatus" AS status, ${time('occurredAt')} AS occurred_at, ${time('endedAt')} AS ended_at,
    (${text('datePrecision')})::"DatePrecision" AS date_precision, ${textArray('countryCodes')} AS country_codes,
    ${text('location,name')} AS location_name, ${text('location,admin1')} AS location_admin1, ${text('location,countryCode')} AS location_country,
    (${text('location,lat')})::float8 AS lat, (${text('location,lon')})::float8 AS lon,
    (${text('location,precision')})::"LocationPrecision" AS location_precision, ${textArray('tags')} AS tags,
    (${text('fatalities,low')})::int AS fatalities_low, (${text('fatalities,best')})::int AS fatalities_best, (${text('fatalities,high')})::int AS fatalities_high,
    coalesce((${text('contested')})::boolean, false) AS contested,
    ${text('externalIds,acled')} AS acled_event_id, ${text('externalIds,ucdp')} AS ucdp_ged_id, ${text('externalIds,gdelt')} AS gdelt_event_id,
    to_tsvector('english'::regconfig, (${text('title')} || ' ') || coalesce(${text('summary')}, '')) AS search,
    ${time('createdAt')} AS created_at, ${time('updatedAt')} AS updated_at, (${text('version')})::int AS version, NULL::timestamptz AS deleted_at,
    ${incidentLinkColumns}, x.doc
    FROM snap x`],
  ['incident_actors', sql`SELECT ${roleId} AS id, x.id AS incident_id, (a.v->>'actorId')::uuid AS actor_id, (a.v->>'role')::"ActorRole" AS role,
    coalesce(a.v->>'attribution', 'confirmed')::"ActorAttribution" AS attribution, (a.v->>'assertedById')::uuid AS asserted_by_id,
    coalesce((a.v->>'disputed')::boolean, false) AS disputed, a.n::int AS position ${roleItems}`],
  ['incident_actor_statements', sql`SELECT ${roleId} AS incident_actor_id, s.v::uuid AS statement_id, s.n::int AS position ${roleItems}
    CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(a.v->'statementIds', '[]')) WITH ORDINALITY AS s(v, n)`],
  ['incident_sources', idList('sourceIds', 'incident_id', 'source_id')],
  ['incident_relations', sql`SELECT x.id AS from_id, (r.v->>'incidentId')::uuid AS to_id, (r.v->>'kind')::"RelationKind" AS kind,
    (r.v->>'assertedById')::uuid AS asserted_by_id, r.n::int AS position ${relationItems}`],
  ['incident_relation_statements', sql`SELECT x.id AS from_id, (r.v->>'incidentId')::uuid AS to_id, (r.v->>'kind')::"RelationKind" AS kind,
    s.v::uuid AS statement_id, s.n::int AS position ${relationItems}
    CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(r.v->'statementIds', '[]')) WITH ORDINALITY AS s(v, n)`]
]

/**
 * `WITH` the incident tables as they stood at `seq` (and the actors, for their names in stats):
 * prefixed to a query over incidents i, its filters, order and export SQL read the past.
 */
export function incidentSnapshotWith (seq: string): Prisma.Sql {
  return sql`WITH ${incidentParts(seq)} `
}

const incidentParts = (seq: string) => sql`snap AS MATERIALIZED (${latestSql('incident', seq)}), ${withTables(incidentTables())}, ${actorParts(seq)}`

const actorParts = (seq: string) => sql`actor_snap AS MATERIALIZED (${latestSql('actor', seq)}),
  actors AS NOT MATERIALIZED (SELECT x.id, ${text('name')} AS name, (${text('kind')})::"ActorKind" AS kind, ${textArray('aliases')} AS aliases,
    ${text('countryCode')} AS country_code, (${text('parentId')})::uuid AS parent_id, ${text('title')} AS title, ${text('description')} AS description,
    ${text('externalIds,wikidata')} AS wikidata_id, ${text('externalIds,acled')} AS acled_name, ${text('externalIds,ucdp')} AS ucdp_id,
    ${text('externalIds,gdelt')} AS gdelt_code, (${text('mergedIntoId')})::uuid AS merged_into_id,
    ${time('createdAt')} AS created_at, ${time('updatedAt')} AS updated_at, (${text('version')})::int AS version, NULL::timestamptz AS deleted_at
    FROM actor_snap x),
  actor_names AS NOT MATERIALIZED (SELECT a.id AS actor_id, n.name, sitrep_name_key(n.name) AS key FROM actors a CROSS JOIN LATERAL unnest(a.name || a.aliases) AS n(name))`

/** `WITH` the actors (and the names their search matches) as they stood at `seq`. */
export function actorSnapshotWith (seq: string): Prisma.Sql {
  return sql`WITH ${actorParts(seq)} `
}

/** `WITH` the sources as they stood at `seq`. */
export function sourceSnapshotWith (seq: string): Prisma.Sql {
  return sql`WITH snap AS MATERIALIZED (${latestSql('source', seq)}), sources AS NOT MATERIALIZED (SELECT x.id, ${text('url')} AS url, ${text('title')} AS title,
    ${text('publisher')} AS publisher, ${time('publishedAt')} AS published_at, (${text('kind')})::"SourceKind" AS kind, ${text('language')} AS language,
    ${text('author')} AS author, ${text('archiveUrl')} AS archive_url,
    ${time('createdAt')} AS created_at, ${time('updatedAt')} AS updated_at, (${text('version')})::int AS version, NULL::timestamptz AS deleted_at
    FROM snap x) `
}

/**
 * `WITH` the casualty reports as they stood at `seq`, with the incidents and actors then (the ledger's
 * filters on the incident, the stats' actor names). Deleting an incident deleted its reports, each
 * with its change.
 */
export function casualtySnapshotWith (seq: string): Prisma.Sql {
  return sql`WITH report_snap AS MATERIALIZED (${latestSql('casualtyReport', seq)}), ${withTables([
    ['casualty_reports', sql`SELECT x.id, (${text('incidentId')})::uuid AS incident_id, (${text('reportedById')})::uuid AS reported_by_id,
      (${text('affectedActorId')})::uuid AS affected_actor_id, (${text('category')})::"CasualtyCategory" AS category,
      (${text('min')})::int AS min, (${text('max')})::int AS max, (${text('qualifier')})::"CasualtyQualifier" AS qualifier, ${text('phrase')} AS phrase,
      ${textArray('groups')} AS groups, ${text('note')} AS note, ${time('reportedAt')} AS reported_at,
      ${time('createdAt')} AS created_at, ${time('updatedAt')} AS updated_at, (${text('version')})::int AS version, NULL::timestamptz AS deleted_at,
      x.doc
      FROM report_snap x`],
    ['casualty_report_sources', idList('sourceIds', 'casualty_report_id', 'source_id', 'report_snap')]
  ])}, ${incidentParts(seq)} `
}

/**
 * `WITH` the statement tables as they stood at `seq`. A statement's view lists only the live incidents
 * it was linked to (a deleted incident gave each linked statement a change), so the incidents its
 * links name were live then.
 */
export function statementSnapshotWith (seq: string): Prisma.Sql {
  return sql`WITH snap AS MATERIALIZED (${latestSql('statement', seq)}), ${withTables([
    ['statements', sql`SELECT x.id, (${text('speakerId')})::uuid AS speaker_id, ${text('speakerTitle')} AS speaker_title,
      (${text('kind')})::"StatementKind" AS kind, ${text('summary')} AS summary, ${text('quote')} AS quote, ${text('language')} AS language,
      (${text('channel')})::"StatementChannel" AS channel, ${text('place')} AS place, ${text('originalQuote')} AS original_quote,
      ${text('originalLanguage')} AS original_language, ${time('statedAt')} AS stated_at, (${text('datePrecision')})::"DatePrecision" AS date_precision,
      (${text('respondsToId')})::uuid AS responds_to_id,
      to_tsvector('english'::regconfig, (${text('summary')} || ' ') || coalesce(${text('quote')}, '')) ||
        to_tsvector('simple'::regconfig, coalesce(${text('originalQuote')}, '')) AS search,
      ${time('createdAt')} AS created_at, ${time('updatedAt')} AS updated_at, (${text('version')})::int AS version, NULL::timestamptz AS deleted_at,
      x.doc
      FROM snap x`],
    ['statement_incidents', idList('incidentIds', 'statement_id', 'incident_id')],
    ['statement_about_actors', idList('aboutActorIds', 'statement_id', 'actor_id')],
    ['statement_sources', idList('sourceIds', 'statement_id', 'source_id')],
    ['incidents', sql`SELECT DISTINCT si.incident_id AS id, NULL::timestamptz AS deleted_at FROM statement_incidents si`]
  ])} `
}
