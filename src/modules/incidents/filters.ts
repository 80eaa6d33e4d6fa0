import { Prisma } from '../../generated/prisma/client.ts'
import type { IncidentFilters } from './schemas.ts'

const KM_PER_DEGREE = 111.2

/**
 * Plain range predicates, not point <@ box: the planner estimates them from each column's
 * histogram, and the btree on (lon, lat, occurred_at, id) answers them with an index-only scan
 * that also yields the default order's key (a GiST box search was estimated at 1/40 of its rows
 * and paid a heap visit per match).
 */
const inBox = (minLon: number, minLat: number, maxLon: number, maxLat: number) =>
  Prisma.sql`i.lon BETWEEN ${minLon}::float8 AND ${maxLon}::float8 AND i.lat BETWEEN ${minLat}::float8 AND ${maxLat}::float8`

/**
 * The conditions on one role row (alias ia) that the filters actor, actorRole, attribution and
 * assertedBy set: one and the same role must meet them all, so they go into one EXISTS.
 */
export function roleConditions (f: Pick<IncidentFilters, 'actor' | 'actorRole' | 'attribution' | 'assertedBy'>): Prisma.Sql[] {
  const c: Prisma.Sql[] = []
  if (f.actor) c.push(Prisma.sql`ia.actor_id = ANY(${f.actor}::uuid[])`)
  if (f.actorRole) c.push(Prisma.sql`ia.role = ANY(${f.actorRole}::"ActorRole"[])`)
  if (f.attribution) c.push(Prisma.sql`ia.attribution = ANY(${f.attribution}::"ActorAttribution"[])`)
  if (f.assertedBy) c.push(Prisma.sql`ia.asserted_by_id = ANY(${f.assertedBy}::uuid[])`)
  return c
}

/** SQL conditions (on alias i) for every incident list filter of API.md §3; all are combined with AND. */
export function incidentConditions (f: IncidentFilters): Prisma.Sql[] {
  const c: Prisma.Sql[] = [Prisma.sql`i.deleted_at IS NULL`]
  if (f.type) c.push(Prisma.sql`i.type = ANY(${f.type}::"IncidentType"[])`)
  if (f.status) c.push(Prisma.sql`i.status = ANY(${f.status}::"IncidentStatus"[])`)
  if (f.country) c.push(Prisma.sql`i.country_codes && ${f.country}::text[]`)
  if (f.admin1) c.push(Prisma.sql`lower(i.location_admin1) = ANY(${f.admin1.map((a) => a.toLowerCase())}::text[])`)
  const role = roleConditions(f)
  if (role.length > 0) c.push(Prisma.sql`EXISTS (SELECT 1 FROM incident_actors ia WHERE ia.incident_id = i.id AND ${Prisma.join(role, ' AND ')})`)
  if (f.from) c.push(Prisma.sql`i.occurred_at >= ${f.from}`)
  if (f.to) c.push(Prisma.sql`i.occurred_at < ${f.to}`)
  if (f.updatedSince) c.push(Prisma.sql`i.updated_at >= ${f.updatedSince}`)
  if (f.minFatalities !== undefined) c.push(Prisma.sql`i.fatalities_best >= ${f.minFatalities}::int`)
  if (f.maxFatalities !== undefined) c.push(Prisma.sql`i.fatalities_best <= ${f.maxFatalities}::int`)
  if (f.contested !== undefined) c.push(Prisma.sql`i.contested = ${f.contested}`)
  if (f.tag) c.push(Prisma.sql`i.tags && ${f.tag}::text[]`)
  if (f.source) c.push(Prisma.sql`EXISTS (SELECT 1 FROM incident_sources s WHERE s.incident_id = i.id AND s.source_id = ANY(${f.source}::uuid[]))`)
  if (f.externalId) {
    const column = { acled: Prisma.sql`i.acled_event_id`, ucdp: Prisma.sql`i.ucdp_ged_id`, gdelt: Prisma.sql`i.gdelt_event_id` }[f.externalId.dataset]
    c.push(Prisma.sql`${column} = ${f.externalId.id}`)
  }
  if (f.relatedTo) {
    c.push(Prisma.sql`(EXISTS (SELECT 1 FROM incident_relations r WHERE r.from_id = i.id AND r.to_id = ${f.relatedTo}::uuid)
      OR EXISTS (SELECT 1 FROM incident_relations r WHERE r.to_id = i.id AND r.from_id = ${f.relatedTo}::uuid))`)
  }
  if (f.hasLocation) c.push(Prisma.sql`i.lat IS NOT NULL`)
  if (f.precision) c.push(Prisma.sql`i.location_precision = ANY(${f.precision}::"LocationPrecision"[])`)
  if (f.q) c.push(Prisma.sql`i.search @@ websearch_to_tsquery('english', ${f.q})`)
  if (f.bbox) {
    const [minLon, minLat, maxLon, maxLat] = f.bbox
    // A box whose west edge is east of its east edge crosses the antimeridian: two boxes.
    c.push(minLon <= maxLon
      ? inBox(minLon, minLat, maxLon, maxLat)
      : Prisma.sql`(${inBox(minLon, minLat, 180, maxLat)} OR ${inBox(-180, minLat, maxLon, maxLat)})`)
  }
  if (f.near) {
    const [lat, lon] = f.near
    const radius = f.radiusKm ?? 25
    // The bounding box lets the (lon, lat) index narrow the rows; the distance decides.
    const dLat = radius / KM_PER_DEGREE
    const cosLat = Math.cos((lat * Math.PI) / 180)
    const dLon = cosLat < 1e-6 ? 180 : Math.min(180, radius / (KM_PER_DEGREE * cosLat))
    if (lon - dLon >= -180 && lon + dLon <= 180) c.push(inBox(lon - dLon, Math.max(-90, lat - dLat), lon + dLon, Math.min(90, lat + dLat)))
    else c.push(Prisma.sql`i.lat IS NOT NULL`)
    c.push(Prisma.sql`sitrep_distance_km(${lat}::float8, ${lon}::float8, i.lat, i.lon) <= ${radius}::float8`)
  }
  return c
}

export const whereClause = (conditions: Prisma.Sql[]) => Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`
