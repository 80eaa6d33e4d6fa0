import type pg from 'pg'
import { Prisma } from '../../generated/prisma/client.ts'
import { rawRows, type Int8 } from '../../db/rows.ts'
import { statementConditions } from '../statements/filters.ts'
import { actorDimension, ordering, type Dimension } from './grouping.ts'
import type { StatementStatDimension, StatementStatsQuery, StatementStatsRow } from './statement-schemas.ts'

// Written out, not bound: GROUP BY must repeat the selected expression exactly.
const month = Prisma.sql`to_char(date_trunc('month', s.stated_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`

const dimensions: Record<StatementStatDimension, Dimension> = {
  speaker: actorDimension('s.speaker_id', 'speaker', 'sp'),
  kind: { select: Prisma.sql`s.kind::text AS kind`, group: Prisma.sql`s.kind`, key: Prisma.sql`g.kind`, tieBreak: Prisma.sql`g.kind` },
  month: { select: Prisma.sql`${month} AS month`, group: month, key: Prisma.sql`g.month`, tieBreak: null },
  incident: {
    select: Prisma.sql`li.id::text AS incident_id, li.title AS incident_title`,
    group: Prisma.sql`li.id, li.title`,
    key: Prisma.sql`g.incident_id`,
    tieBreak: Prisma.sql`g.incident_title NULLS LAST, g.incident_id`,
    // Links to deleted incidents are kept (history) but not shown, as the statement's incidentIds do.
    join: Prisma.sql`LEFT JOIN LATERAL (SELECT i.id, i.title FROM statement_incidents si JOIN incidents i ON i.id = si.incident_id
      WHERE si.statement_id = s.id AND i.deleted_at IS NULL) li ON true`
  }
}

interface GroupedRow {
  speaker_id?: string
  speaker_name?: string
  kind?: StatementStatsRow['kind']
  month?: string
  incident_id?: string | null
  incident_title?: string | null
  count: Int8
  with_quote: Int8
}

function toStatsRow (dims: StatementStatDimension[], r: GroupedRow): StatementStatsRow {
  const key = (d: StatementStatDimension) => d === 'speaker'
    ? { id: r.speaker_id, name: r.speaker_name }
    : d === 'incident' ? (r.incident_id ? { id: r.incident_id, title: r.incident_title } : null) : r[d]
  return { ...Object.fromEntries(dims.map((d) => [d, key(d)])), count: Number(r.count), withQuote: Number(r.with_quote) }
}

/**
 * Statement counts per bucket, in one query; empty buckets are absent. At most `limit` rows. A
 * statement counts once in each live incident it is linked to (or in the null bucket when none);
 * an `incident` filter also picks those buckets.
 */
export async function statementStats (pool: pg.Pool, query: StatementStatsQuery, limit: number): Promise<StatementStatsRow[]> {
  const { groupBy: dims, format: _format, ...filters } = query
  const joins = dims.flatMap((d) => (dimensions[d].join ? [dimensions[d].join] : []))
  const conditions = statementConditions(filters)
  if (dims.includes('incident') && filters.incident) conditions.push(Prisma.sql`li.id = ANY(${filters.incident}::uuid[])`)
  const rows = await rawRows<GroupedRow>(pool, Prisma.sql`
    SELECT g.* FROM (
      SELECT ${Prisma.join(dims.map((d) => dimensions[d].select))},
        count(*)::int8 AS count,
        (count(*) FILTER (WHERE s.quote IS NOT NULL))::int8 AS with_quote
      FROM statements s ${joins.length ? Prisma.join(joins, ' ') : Prisma.empty}
      WHERE ${Prisma.join(conditions, ' AND ')}
      GROUP BY ${Prisma.join(dims.map((d) => dimensions[d].group))}
    ) g
    ORDER BY ${ordering(dims, dimensions)}
    LIMIT ${limit}`)
  return rows.map((r) => toStatsRow(dims, r))
}
