import type pg from 'pg'
import { Prisma } from '../../generated/prisma/client.ts'
import { rawRows, type Int8 } from '../../db/rows.ts'
import { casualtyConditions } from '../casualties/filters.ts'
import { casualtySnapshotWith } from '../changes/snapshots.ts'
import { actorDimension, ordering, type Dimension } from './grouping.ts'
import type { CasualtyStatDimension, CasualtyStatsQuery, CasualtyStatsRow } from './casualty-schemas.ts'

// Written out, not bound: GROUP BY must repeat the selected expression exactly.
const month = Prisma.sql`to_char(date_trunc('month', i.occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`

const dimensions: Record<CasualtyStatDimension, Dimension> = {
  reportedBy: actorDimension('r.reported_by_id', 'reported_by', 'rb'),
  affectedActor: actorDimension('r.affected_actor_id', 'affected_actor', 'aa'),
  category: { select: Prisma.sql`r.category::text AS category`, group: Prisma.sql`r.category`, key: Prisma.sql`g.category`, tieBreak: Prisma.sql`g.category` },
  country: {
    select: Prisma.sql`c.code AS country`,
    group: Prisma.sql`c.code`,
    key: Prisma.sql`g.country`,
    tieBreak: Prisma.sql`g.country`,
    join: Prisma.sql`CROSS JOIN LATERAL unnest(i.country_codes) AS c(code)`
  },
  month: { select: Prisma.sql`${month} AS month`, group: month, key: Prisma.sql`g.month`, tieBreak: null }
}

interface GroupedRow {
  reported_by_id?: string | null
  reported_by_name?: string | null
  affected_actor_id?: string | null
  affected_actor_name?: string | null
  category?: CasualtyStatsRow['category']
  country?: string
  month?: string
  count: Int8
  min: Int8
  max: Int8 | null
}

const actor = (id: string | null | undefined, name: string | null | undefined) => (id ? { id, name: name! } : null)

function toStatsRow (dims: CasualtyStatDimension[], r: GroupedRow): CasualtyStatsRow {
  const key = (d: CasualtyStatDimension) => d === 'reportedBy'
    ? actor(r.reported_by_id, r.reported_by_name)
    : d === 'affectedActor' ? actor(r.affected_actor_id, r.affected_actor_name) : r[d]
  return { ...Object.fromEntries(dims.map((d) => [d, key(d)])), count: Number(r.count), min: Number(r.min), max: r.max === null ? null : Number(r.max) }
}

/**
 * Casualty report counts and sums per bucket, in one query; empty buckets are absent. At most `limit`
 * rows. A report's upper bound is its max, or its min when the figure is exact; a bucket's max is
 * null when any of its reports has none: a sum with an unknown term is unknown, not smaller.
 * A report counts once in each of its incident's countries; a country filter also picks the buckets.
 */
export async function casualtyStats (pool: pg.Pool, query: CasualtyStatsQuery, limit: number): Promise<CasualtyStatsRow[]> {
  const { groupBy: dims, format: _format, asOf, ...filters } = query
  const needsIncident = dims.includes('country') || dims.includes('month')
  const joins = [
    ...(needsIncident ? [Prisma.sql`JOIN incidents i ON i.id = r.incident_id`] : []),
    ...dims.flatMap((d) => (dimensions[d].join ? [dimensions[d].join] : []))
  ]
  const conditions = casualtyConditions(filters)
  if (dims.includes('country') && filters.country) conditions.push(Prisma.sql`c.code = ANY(${filters.country}::text[])`)
  const upper = Prisma.sql`CASE WHEN r.max IS NOT NULL THEN r.max WHEN r.qualifier = 'exact' THEN r.min END`
  // asOf arrives resolved to a position (the route's snapshot): the reports, incidents and actors then.
  const past = asOf && 'seq' in asOf ? casualtySnapshotWith(asOf.seq) : Prisma.empty
  const rows = await rawRows<GroupedRow>(pool, Prisma.sql`${past}
    SELECT g.* FROM (
      SELECT ${Prisma.join(dims.map((d) => dimensions[d].select))},
        count(*)::int8 AS count,
        sum(r.min)::int8 AS min,
        CASE WHEN bool_and(${upper} IS NOT NULL) THEN sum(${upper})::int8 END AS max
      FROM casualty_reports r ${joins.length ? Prisma.join(joins, ' ') : Prisma.empty}
      WHERE ${Prisma.join(conditions, ' AND ')}
      GROUP BY ${Prisma.join(dims.map((d) => dimensions[d].group))}
    ) g
    ORDER BY ${ordering(dims, dimensions)}
    LIMIT ${limit}`)
  return rows.map((r) => toStatsRow(dims, r))
}
