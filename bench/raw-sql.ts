// What the raw server takes from sitrep, all in this file: the SQL builders, so both servers send
// the same statements (test/unit/bench-sql.test.ts compares the text for the bench's URLs), and the
// row-to-JSON views, so both answer the same data. When src/ renames or reshapes these, re-point the
// imports here; the test says whether the SQL still matches.
//
// Queries arrive unvalidated, as the bench sends them: only the parameters the workloads use.

import type pg from 'pg'
import { Prisma } from '../src/generated/prisma/client.ts'
import { keysetQuery } from '../src/db/keyset.ts'
import { rawRows } from '../src/db/rows.ts'
import { incidentConditions, whereClause } from '../src/modules/incidents/filters.ts'
import { incidentColumnsSql, incidentRowOptions, loadIncidentRows, toIncident, type IncidentRow } from '../src/modules/incidents/views.ts'
import { expandIncidents, type Include } from '../src/modules/incidents/expand.ts'
import { listIncidents } from '../src/modules/incidents/repository.ts'
import { statementConditions } from '../src/modules/statements/filters.ts'
import { statementRowSql, toStatement, type StatementRow } from '../src/modules/statements/views.ts'

export type Query = Record<string, string | undefined>
type IncidentFilters = Parameters<typeof incidentConditions>[0]
type StatementFilters = Parameters<typeof statementConditions>[0]

const split = (s: string | undefined) => s?.split(',')
// As sitrep's instantSchema reads a date: UTC midnight.
const instant = (s: string | undefined) => (s === undefined ? undefined : new Date(s.length === 10 ? `${s}T00:00:00.000Z` : s))
const limitOf = (q: Query) => Number(q.limit ?? 50)
// Unsigned: the raw server does not check cursors, it only hands one out as sitrep does.
export const cursorOf = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString('base64url')

const incidentFilters = (q: Query) => ({
  type: split(q.type),
  country: split(q.country),
  actor: split(q.actor),
  from: instant(q.from),
  to: instant(q.to),
  q: q.q,
  bbox: split(q.bbox)?.map(Number)
}) as IncidentFilters

/** sitrep's page query (keysetQuery: the page's ids first, then its rows), newest first by the date column. */
const newestFirst = (select: Prisma.Sql, from: Prisma.Sql, alias: string, conditions: Prisma.Sql[], limit: number, column = 'occurred_at') =>
  keysetQuery({ select, from, column: Prisma.raw(`${alias}.${column}`), id: Prisma.raw(`${alias}.id`), spec: { field: 'date', desc: true, nullable: false, kind: 'date' }, conditions, limit })

/** A page of incidents newest first (W1, W2, W5, W6, W12) with the includes asked for. */
export async function incidentPage (pool: pg.Pool, q: Query) {
  const limit = limitOf(q)
  // Decoded as sitrep decodes its pages (timestamps as the ISO text the view prints).
  const rows = await rawRows<IncidentRow>(pool, newestFirst(incidentColumnsSql, Prisma.sql`incidents i`, 'i', incidentConditions(incidentFilters(q)), limit), incidentRowOptions)
  const data = await expandIncidents(pool, rows.slice(0, limit), (split(q.include) ?? []) as Include[])
  return { data, next: rows.length > limit ? data[limit - 1] : undefined }
}

/** One live incident (W3), or undefined. */
export async function oneIncident (pool: pg.Pool, id: string) {
  const [row] = await loadIncidentRows(pool, [id])
  return row && toIncident(row)
}

/** A page of statements newest first (W7). */
export async function statementPage (pool: pg.Pool, q: Query) {
  const limit = limitOf(q)
  const filters = { kind: split(q.kind), speaker: split(q.speaker) } as StatementFilters
  const rows = await rawRows<StatementRow>(pool, newestFirst(statementRowSql, Prisma.sql`statements s`, 's', statementConditions(filters), limit, 'stated_at'))
  const data = rows.slice(0, limit).map(toStatement)
  return { data, next: rows.length > limit ? data[limit - 1] : undefined }
}

/** The first timeline page, unfiltered (W8): each kind cut to the page on its own index, merged here. */
export async function timelinePage (pool: pg.Pool, q: Query) {
  const limit = limitOf(q)
  const [incidents, statements] = await Promise.all([
    rawRows<IncidentRow>(pool, Prisma.sql`SELECT ${incidentColumnsSql} FROM incidents i ${whereClause(incidentConditions({}))} ORDER BY i.occurred_at DESC, i.id DESC LIMIT ${limit + 1}`),
    rawRows<StatementRow>(pool, Prisma.sql`SELECT ${statementRowSql} FROM statements s ${whereClause(statementConditions({}))} ORDER BY s.stated_at DESC, s.id DESC LIMIT ${limit + 1}`)
  ])
  const entries = [
    ...incidents.map(toIncident).map((item) => ({ kind: 'incident', at: item.occurredAt, item })),
    ...statements.map(toStatement).map((item) => ({ kind: 'statement', at: item.statedAt, item }))
  ].sort((x, y) => x.at === y.at ? (x.item.id < y.item.id ? 1 : -1) : (x.at < y.at ? 1 : -1))
  return { data: entries.slice(0, limit), next: entries.length > limit ? entries[limit - 1] : undefined }
}

const buckets: Record<string, string> = {
  type: 'i.type::text',
  month: "to_char(date_trunc('month', i.occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
}

/**
 * Counts per bucket (W4, W9), computed on every call: sitrep answers these from a cache kept valid by
 * the change log, so the two are not the same work and the bench reports no ratio for them.
 */
export async function incidentStats (pool: pg.Pool, q: Query) {
  const dims = String(q.groupBy).split(',')
  const group = Prisma.raw(dims.map((d) => buckets[d]).join(', '))
  const rows = await rawRows<Record<string, any>>(pool, Prisma.sql`SELECT ${Prisma.raw(dims.map((d) => `${buckets[d]} AS ${d}`).join(', '))},
      count(*)::int AS count, coalesce(sum(i.fatalities_low), 0)::int AS low, coalesce(sum(i.fatalities_best), 0)::int AS best,
      coalesce(sum(i.fatalities_high), 0)::int AS high, (count(*) FILTER (WHERE i.contested))::int AS contested
    FROM incidents i ${whereClause(incidentConditions(incidentFilters(q)))} GROUP BY ${group} ORDER BY ${group}`)
  return {
    groupBy: dims,
    data: rows.map((r) => ({ ...Object.fromEntries(dims.map((d) => [d, r[d]])), count: r.count, fatalities: { low: r.low, best: r.best, high: r.high }, contested: r.contested }))
  }
}

/** The NDJSON export (W10) in batches of 1,000, read as sitrep's export reads them. */
export async function * incidentExport (pool: pg.Pool, q: Query) {
  let cursor: string | undefined
  do {
    const batch = await listIncidents(pool, { ...incidentFilters(q), limit: 1000, cursor, includeTotal: false, sort: '-occurredAt' })
    const page = batch.rows.slice(0, 1000)
    yield page.map(toIncident)
    cursor = batch.rows.length > 1000 ? batch.cursorOf(page[page.length - 1]) : undefined
  } while (cursor)
}
