import { Prisma } from '../../generated/prisma/client.ts'
import { rawRows, type Int8, type Reader } from '../../db/rows.ts'
import { incidentConditions, roleConditions, whereClause } from '../incidents/filters.ts'
import type { IncidentFilters } from '../incidents/schemas.ts'
import type { IncidentStatsQuery, IncidentStatsRow, StatDimension } from './schemas.ts'
import { ordering, type Dimension } from './grouping.ts'
import { incidentSnapshotWith } from '../changes/snapshots.ts'

// The UTC bucket start as YYYY-MM-DD; date_trunc('week') starts ISO weeks on Monday. The unit is
// written out, not bound: GROUP BY must repeat the selected expression exactly.
const bucket = {
  day: Prisma.sql`to_char(date_trunc('day', i.occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`,
  week: Prisma.sql`to_char(date_trunc('week', i.occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`,
  month: Prisma.sql`to_char(date_trunc('month', i.occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`
}

const dimensions: Record<StatDimension, Dimension> = {
  type: { select: Prisma.sql`i.type::text AS type`, group: Prisma.sql`i.type`, key: Prisma.sql`g.type`, tieBreak: Prisma.sql`g.type` },
  status: { select: Prisma.sql`i.status::text AS status`, group: Prisma.sql`i.status`, key: Prisma.sql`g.status`, tieBreak: Prisma.sql`g.status` },
  country: { select: Prisma.sql`c.code AS country`, group: Prisma.sql`c.code`, key: Prisma.sql`g.country`, tieBreak: Prisma.sql`g.country` },
  admin1: { select: Prisma.sql`i.location_admin1 AS admin1`, group: Prisma.sql`i.location_admin1`, key: Prisma.sql`g.admin1`, tieBreak: Prisma.sql`g.admin1 NULLS LAST` },
  actor: { select: Prisma.sql`a.id AS actor_id, a.name AS actor_name`, group: Prisma.sql`a.id, a.name`, key: Prisma.sql`g.actor_id`, tieBreak: Prisma.sql`g.actor_name, g.actor_id` },
  day: { select: Prisma.sql`${bucket.day} AS day`, group: bucket.day, key: Prisma.sql`g.day`, tieBreak: null },
  week: { select: Prisma.sql`${bucket.week} AS week`, group: bucket.week, key: Prisma.sql`g.week`, tieBreak: null },
  month: { select: Prisma.sql`${bucket.month} AS month`, group: bucket.month, key: Prisma.sql`g.month`, tieBreak: null }
}

/**
 * Country and actor are many per incident: the incident is spread over its countries and its
 * distinct actors. A country filter, and the role filters (actor, actorRole, attribution, assertedBy), also pick which of them form buckets,
 * so `groupBy=actor&actorRole=perpetrator` counts per perpetrator.
 */
function spread (dims: StatDimension[], f: IncidentFilters): { joins: Prisma.Sql[], conditions: Prisma.Sql[] } {
  const joins: Prisma.Sql[] = []
  const conditions: Prisma.Sql[] = []
  if (dims.includes('country')) {
    joins.push(Prisma.sql`CROSS JOIN LATERAL unnest(i.country_codes) AS c(code)`)
    if (f.country) conditions.push(Prisma.sql`c.code = ANY(${f.country}::text[])`)
  }
  if (dims.includes('actor')) {
    const byRole = roleConditions(f)
    const onRole = byRole.length > 0 ? Prisma.sql`AND ${Prisma.join(byRole, ' AND ')}` : Prisma.empty
    joins.push(Prisma.sql`JOIN LATERAL (SELECT DISTINCT ia.actor_id FROM incident_actors ia
      WHERE ia.incident_id = i.id ${onRole}) la ON true JOIN actors a ON a.id = la.actor_id`)
  }
  return { joins, conditions }
}

interface GroupedRow {
  type?: IncidentStatsRow['type']
  status?: IncidentStatsRow['status']
  country?: string
  admin1?: string | null
  actor_id?: string
  actor_name?: string
  day?: string
  week?: string
  month?: string
  count: Int8
  low: Int8
  best: Int8
  high: Int8
  contested: Int8
}

function toStatsRow (dims: StatDimension[], r: GroupedRow): IncidentStatsRow {
  const keys = Object.fromEntries(dims.map((d) => [d, d === 'actor' ? { id: r.actor_id, name: r.actor_name } : r[d]]))
  return {
    ...keys,
    count: Number(r.count),
    fatalities: { low: Number(r.low), best: Number(r.best), high: Number(r.high) },
    contested: Number(r.contested)
  }
}

export function createStatsRepository (on: Reader) {
  return {
    /**
     * Incident counts, fatality sums and contested counts per bucket, in one query; empty buckets are
     * absent. At most `limit` rows. With `seq`, over the incidents and actors as they stood at that position.
     */
    async incidentStats (query: IncidentStatsQuery, limit: number, seq?: string): Promise<IncidentStatsRow[]> {
      const { groupBy: dims, asOf: _asOf, ...filters } = query
      const { joins, conditions } = spread(dims, filters)
      const rows = await rawRows<GroupedRow>(on, Prisma.sql`${seq === undefined ? Prisma.empty : incidentSnapshotWith(seq)}
        SELECT g.* FROM (
          SELECT ${Prisma.join(dims.map((d) => dimensions[d].select))},
            count(*)::int8 AS count,
            coalesce(sum(i.fatalities_low), 0)::int8 AS low,
            coalesce(sum(i.fatalities_best), 0)::int8 AS best,
            coalesce(sum(i.fatalities_high), 0)::int8 AS high,
            (count(*) FILTER (WHERE i.contested))::int8 AS contested
          FROM incidents i ${joins.length ? Prisma.join(joins, ' ') : Prisma.empty}
          ${whereClause([...incidentConditions(filters), ...conditions])}
          GROUP BY ${Prisma.join(dims.map((d) => dimensions[d].group))}
        ) g
        ORDER BY ${ordering(dims, dimensions)}
        LIMIT ${limit}`)
      return rows.map((r) => toStatsRow(dims, r))
    }
  }
}
