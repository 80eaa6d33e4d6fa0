import { Prisma, type Incident, type IncidentActor, type IncidentSource, type RelationKind } from '../../generated/prisma/client.ts'
import { notFound } from '../../http/problems.ts'
import { iso, isoOrNull } from '../../http/schemas.ts'
import { modelColumns, rawRows, type Reader } from '../../db/rows.ts'
import { acledCrosswalk } from './acled.ts'
import type { IncidentView } from './schemas.ts'

/** An outgoing relation as rows carry it: the other incident is toId. */
export interface RelationRow { toId: string, kind: RelationKind, assertedById: string | null, statementIds: string[] }

export type IncidentRow = Incident & { actors: Array<Pick<IncidentActor, 'actorId' | 'role'>>, sources: Array<Pick<IncidentSource, 'sourceId'>>, relations: RelationRow[] }

export const incidentFields = ['id', 'type', 'title', 'summary', 'status', 'occurredAt', 'endedAt', 'datePrecision', 'countryCodes', 'locationName',
  'locationAdmin1', 'locationCountry', 'lat', 'lon', 'locationPrecision', 'tags', 'fatalitiesLow', 'fatalitiesBest', 'fatalitiesHigh',
  'contested', 'acledEventId', 'ucdpGedId', 'gdeltEventId', 'createdAt', 'updatedAt', 'version', 'deletedAt'] as const satisfies ReadonlyArray<keyof Incident>

/** The statement ids of relation r, in their order. */
export const relationStatementsSql = Prisma.sql`coalesce((SELECT json_agg(rs.statement_id ORDER BY rs.position) FROM incident_relation_statements rs
  WHERE rs.from_id = r.from_id AND rs.to_id = r.to_id AND rs.kind = r.kind), '[]')`

/** The outgoing relations of the incident whose id is `from`, as a JSON array of RelationRow. */
export const relationsSql = (from: Prisma.Sql) => Prisma.sql`coalesce((SELECT json_agg(json_build_object('toId', r.to_id, 'kind', r.kind,
    'assertedById', r.asserted_by_id, 'statementIds', ${relationStatementsSql}) ORDER BY r.position)
    FROM incident_relations r WHERE r.from_id = ${from}), '[]')`

/** An incident row with its actor and source links, in one SELECT (alias i): the shape of IncidentRow. */
export const incidentRowSql = Prisma.sql`${modelColumns('i', incidentFields)},
  coalesce((SELECT json_agg(json_build_object('actorId', ia.actor_id, 'role', ia.role) ORDER BY ia.position)
    FROM incident_actors ia WHERE ia.incident_id = i.id), '[]') AS actors,
  coalesce((SELECT json_agg(json_build_object('sourceId', src.source_id) ORDER BY src.position)
    FROM incident_sources src WHERE src.incident_id = i.id), '[]') AS sources,
  ${relationsSql(Prisma.sql`i.id`)} AS relations`

/** Live incidents by id, in one query; the order of the result is not the order of ids. */
export const loadIncidentRows = (on: Reader, ids: string[]) => ids.length === 0
  ? Promise.resolve([])
  : rawRows<IncidentRow>(on, Prisma.sql`SELECT ${incidentRowSql} FROM incidents i WHERE i.id = ANY(${ids}::uuid[]) AND i.deleted_at IS NULL`)

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
    actors: i.actors.map((a) => ({ actorId: a.actorId, role: a.role })),
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
 * locks, so it reads what the writer before it committed). One statement either way, so a
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
