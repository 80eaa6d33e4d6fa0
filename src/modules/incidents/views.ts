import { Prisma, type Incident, type IncidentActor, type IncidentSource, type RelationKind } from '../../generated/prisma/client.ts'
import { notFound } from '../../http/problems.ts'
import { iso, isoOrNull } from '../../http/schemas.ts'
import { groupBy, modelColumns, rawRows, type Reader } from '../../db/rows.ts'
import { acledCrosswalk } from './acled.ts'
import type { IncidentView } from './schemas.ts'
import type { LinkedDenial } from './rules.ts'

/** An outgoing relation as rows carry it: the other incident is toId. */
export interface RelationRow { toId: string, kind: RelationKind, assertedById: string | null, statementIds: string[] }

/** A role as rows carry it: its row id (which the views leave out) and the ids of its statements. */
export type RoleRow = Pick<IncidentActor, 'id' | 'actorId' | 'role' | 'attribution' | 'assertedById' | 'disputed'> & { statementIds: string[] }

export type IncidentRow = Incident & { actors: RoleRow[], sources: Array<Pick<IncidentSource, 'sourceId'>>, relations: RelationRow[] }

export const incidentFields = ['id', 'type', 'title', 'summary', 'status', 'occurredAt', 'endedAt', 'datePrecision', 'countryCodes', 'locationName',
  'locationAdmin1', 'locationCountry', 'lat', 'lon', 'locationPrecision', 'tags', 'fatalitiesLow', 'fatalitiesBest', 'fatalitiesHigh',
  'contested', 'acledEventId', 'ucdpGedId', 'gdeltEventId', 'createdAt', 'updatedAt', 'version', 'deletedAt'] as const satisfies ReadonlyArray<keyof Incident>

/** An incident's own columns (alias i), without its links: withLinks adds those for a whole batch. */
export const incidentColumnsSql = modelColumns('i', incidentFields)

/** The statement ids of relation r, in their order. */
export const relationStatementsSql = Prisma.sql`coalesce((SELECT json_agg(rs.statement_id ORDER BY rs.position) FROM incident_relation_statements rs
  WHERE rs.from_id = r.from_id AND rs.to_id = r.to_id AND rs.kind = r.kind), '[]')`

/**
 * The links of a batch of incidents in one statement: each link table read once with `= ANY(ids)`,
 * as a JSON array of its rows in the incidents' list order. One statement, so it runs inside a
 * write's transaction as well as on the pool, and a page costs two round trips whatever its size.
 */
const linksSql = (ids: string[]) => Prisma.sql`SELECT
  coalesce((SELECT json_agg(json_build_object('incidentId', ia.incident_id, 'id', ia.id, 'actorId', ia.actor_id, 'role', ia.role,
      'attribution', ia.attribution, 'assertedById', ia.asserted_by_id, 'disputed', ia.disputed,
      'statementIds', coalesce((SELECT json_agg(st.statement_id ORDER BY st.position) FROM incident_actor_statements st WHERE st.incident_actor_id = ia.id), '[]'))
    ORDER BY ia.position) FROM incident_actors ia WHERE ia.incident_id = ANY(${ids}::uuid[])), '[]') AS actors,
  coalesce((SELECT json_agg(json_build_object('incidentId', src.incident_id, 'sourceId', src.source_id) ORDER BY src.position)
    FROM incident_sources src WHERE src.incident_id = ANY(${ids}::uuid[])), '[]') AS sources,
  coalesce((SELECT json_agg(json_build_object('fromId', r.from_id, 'toId', r.to_id, 'kind', r.kind, 'assertedById', r.asserted_by_id,
      'statementIds', ${relationStatementsSql}) ORDER BY r.position)
    FROM incident_relations r WHERE r.from_id = ANY(${ids}::uuid[])), '[]') AS relations`

interface Links {
  actors: Array<RoleRow & { incidentId: string }>
  sources: Array<{ incidentId: string, sourceId: string }>
  relations: Array<RelationRow & { fromId: string }>
}

/**
 * Adds the actor, source and relation links to plain incident rows, for the whole batch at once (a
 * list page, an export batch, a single read): issue 15 measured the per-row subqueries this replaces.
 * In place: a copy of every row was a fifth of an export's garbage.
 */
export async function withLinks (on: Reader, rows: Incident[]): Promise<IncidentRow[]> {
  const linked = rows as IncidentRow[]
  if (rows.length === 0) return linked
  const [links] = await rawRows<Links>(on, linksSql(rows.map((r) => r.id)))
  const actorsOf = groupBy(links.actors.map(({ incidentId, ...a }) => [incidentId, a] as const))
  const sourcesOf = groupBy(links.sources.map((l) => [l.incidentId, { sourceId: l.sourceId }] as const))
  const relationsOf = groupBy(links.relations.map(({ fromId, ...r }) => [fromId, r] as const))
  for (const r of linked) {
    r.actors = actorsOf.get(r.id) ?? []
    r.sources = sourcesOf.get(r.id) ?? []
    r.relations = relationsOf.get(r.id) ?? []
  }
  return linked
}

/** Incidents by id with their links, live ones unless `withDeleted`; ordered by id. */
export async function loadIncidentRows (on: Reader, ids: string[], opts: { withDeleted?: boolean } = {}): Promise<IncidentRow[]> {
  if (ids.length === 0) return []
  const live = opts.withDeleted ? Prisma.empty : Prisma.sql`AND i.deleted_at IS NULL`
  return withLinks(on, await rawRows<Incident>(on, Prisma.sql`SELECT ${incidentColumnsSql} FROM incidents i WHERE i.id = ANY(${ids}::uuid[]) ${live} ORDER BY i.id`))
}

/** The live denials linked to each of these incidents, in one query. */
export async function linkedDenials (on: Reader, incidentIds: string[]): Promise<Map<string, LinkedDenial[]>> {
  if (incidentIds.length === 0) return new Map()
  const rows = await rawRows<LinkedDenial & { incidentId: string }>(on, Prisma.sql`
    SELECT si.incident_id::text AS "incidentId", s.speaker_id::text AS "speakerId", s.responds_to_id::text AS "respondsToId"
    FROM statement_incidents si JOIN statements s ON s.id = si.statement_id
    WHERE si.incident_id = ANY(${incidentIds}::uuid[]) AND s.kind = 'denial' AND s.deleted_at IS NULL`)
  return groupBy(rows.map(({ incidentId, ...d }) => [incidentId, d] as const))
}

function incidentExternalIds (i: Pick<Incident, 'acledEventId' | 'ucdpGedId' | 'gdeltEventId'>) {
  const ids: IncidentView['externalIds'] = {}
  if (i.acledEventId !== null) ids.acled = i.acledEventId
  if (i.ucdpGedId !== null) ids.ucdp = i.ucdpGedId
  if (i.gdeltEventId !== null) ids.gdelt = i.gdeltEventId
  return ids
}

export function toIncident (i: IncidentRow): IncidentView {
  return {
    id: i.id,
    type: i.type,
    title: i.title,
    summary: i.summary,
    status: i.status,
    occurredAt: iso(i.occurredAt),
    endedAt: isoOrNull(i.endedAt),
    datePrecision: i.datePrecision,
    countryCodes: i.countryCodes,
    location: i.lat === null || i.lon === null
      ? null
      : { name: i.locationName!, admin1: i.locationAdmin1, countryCode: i.locationCountry!, lat: i.lat, lon: i.lon, precision: i.locationPrecision! },
    actors: i.actors.map((a) => ({
      actorId: a.actorId, role: a.role, attribution: a.attribution, assertedById: a.assertedById, statementIds: a.statementIds, disputed: a.disputed
    })),
    tags: i.tags,
    sourceIds: i.sources.map((s) => s.sourceId),
    relations: i.relations.map((r) => ({ incidentId: r.toId, kind: r.kind, assertedById: r.assertedById, statementIds: r.statementIds })),
    fatalities: i.fatalitiesBest === null ? null : { low: i.fatalitiesLow!, best: i.fatalitiesBest, high: i.fatalitiesHigh! },
    contested: i.contested,
    externalIds: incidentExternalIds(i),
    acled: acledCrosswalk[i.type],
    createdAt: iso(i.createdAt),
    updatedAt: iso(i.updatedAt),
    version: i.version
  }
}

/**
 * A live incident with its links: on the pool for a GET, on the transaction inside a write (after its
 * locks, so it reads what the writer before it committed). One statement at a time, so a
 * transaction never has two queries in flight on its connection.
 */
export async function findIncident (on: Reader, id: string): Promise<IncidentRow> {
  const [row] = await loadIncidentRows(on, [id])
  if (!row) throw notFound('Incident', id)
  return row
}

export interface ExternalIdHolder { dataset: 'acled' | 'ucdp' | 'gdelt', externalId: string, id: string, title: string }

/**
 * The live incidents (other than `exceptId`) already holding one of these dataset ids, one query
 * for all (each branch on its dataset's partial unique index).
 */
export function externalIdHoldersSql (ids: { acled: string[], ucdp: string[], gdelt: string[] }, exceptId: string | null = null) {
  const except = exceptId === null ? Prisma.empty : Prisma.sql`AND i.id <> ${exceptId}::uuid`
  return Prisma.sql`
    SELECT 'acled' AS dataset, i.acled_event_id AS "externalId", i.id::text, i.title FROM incidents i
      WHERE i.acled_event_id = ANY(${ids.acled}::text[]) AND i.deleted_at IS NULL ${except}
    UNION ALL SELECT 'ucdp', i.ucdp_ged_id, i.id::text, i.title FROM incidents i
      WHERE i.ucdp_ged_id = ANY(${ids.ucdp}::text[]) AND i.deleted_at IS NULL ${except}
    UNION ALL SELECT 'gdelt', i.gdelt_event_id, i.id::text, i.title FROM incidents i
      WHERE i.gdelt_event_id = ANY(${ids.gdelt}::text[]) AND i.deleted_at IS NULL ${except}`
}
