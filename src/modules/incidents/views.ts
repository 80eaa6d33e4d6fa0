import { Prisma, type Incident, type IncidentActor, type IncidentSource, type RelationKind } from '../../generated/prisma/client.ts'
import { notFound } from '../../http/problems.ts'
import { iso, isoOrNull, type Instant } from '../../http/schemas.ts'
import { groupBy, modelColumns, rawRows, type Reader, type RowOptions } from '../../db/rows.ts'
import { acledCrosswalk } from './acled.ts'
import type { IncidentView } from './schemas.ts'
import type { LinkedDenial } from './rules.ts'

/** An outgoing relation as rows carry it: the other incident is toId. */
export interface RelationRow { toId: string, kind: RelationKind, assertedById: string | null, statementIds: string[] }

/** A role as rows carry it: its row id (which the views leave out) and the ids of its statements. */
export type RoleRow = Pick<IncidentActor, 'id' | 'actorId' | 'role' | 'attribution' | 'assertedById' | 'disputed'> & { statementIds: string[] }

type ExportColumns = 'actorsJson' | 'actorsFlat' | 'sourceIdsJson' | 'sourceIdsFlat' | 'relationsJson' | 'relationsFlat'
type Timestamps = 'occurredAt' | 'endedAt' | 'createdAt' | 'updatedAt' | 'deletedAt'

/**
 * An incident's own columns: the link columns are read as the row's actors, sources and relations, the
 * export columns by exports only. Its timestamps are read as the ISO strings the view prints
 * (incidentRowOptions); a row built in JS (an import's) holds Dates.
 */
export type IncidentColumns = Omit<Incident, 'actorLinks' | 'sourceLinks' | 'relationLinks' | ExportColumns | Timestamps> & {
  occurredAt: Instant, endedAt: Instant | null, createdAt: Instant, updatedAt: Instant, deletedAt: Instant | null
}

/** How every read of incidentColumnsSql decodes its rows: the view only prints the timestamps, so they arrive as text. */
export const incidentRowOptions: RowOptions = { isoTimestamps: true }

export type IncidentRow = IncidentColumns & { actors: RoleRow[], sources: Array<Pick<IncidentSource, 'sourceId'>>, relations: RelationRow[] }

export const incidentFields = ['id', 'type', 'title', 'summary', 'status', 'occurredAt', 'endedAt', 'datePrecision', 'countryCodes', 'locationName',
  'locationAdmin1', 'locationCountry', 'lat', 'lon', 'locationPrecision', 'tags', 'fatalitiesLow', 'fatalitiesBest', 'fatalitiesHigh',
  'contested', 'acledEventId', 'ucdpGedId', 'gdeltEventId', 'createdAt', 'updatedAt', 'version', 'deletedAt'] as const satisfies ReadonlyArray<keyof Incident>

/**
 * An incident's columns (alias i) with its links: the roles, sources and outgoing relations as JSON
 * arrays the database keeps on the row (migration k_incident_links), so a page is one statement and
 * reads no link table.
 */
export const incidentColumnsSql = Prisma.sql`${modelColumns('i', incidentFields)}, i.actor_links AS actors, i.source_links AS sources, i.relation_links AS relations`

/** The statement ids of relation r, in their order. */
export const relationStatementsSql = Prisma.sql`coalesce((SELECT json_agg(rs.statement_id ORDER BY rs.position) FROM incident_relation_statements rs
  WHERE rs.from_id = r.from_id AND rs.to_id = r.to_id AND rs.kind = r.kind), '[]')`

/** Incidents by id with their links, live ones unless `withDeleted`; ordered by id. */
export async function loadIncidentRows (on: Reader, ids: string[], opts: { withDeleted?: boolean } = {}): Promise<IncidentRow[]> {
  if (ids.length === 0) return []
  const live = opts.withDeleted ? Prisma.empty : Prisma.sql`AND i.deleted_at IS NULL`
  return rawRows<IncidentRow>(on, Prisma.sql`SELECT ${incidentColumnsSql} FROM incidents i WHERE i.id = ANY(${ids}::uuid[]) ${live} ORDER BY i.id`, incidentRowOptions)
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
