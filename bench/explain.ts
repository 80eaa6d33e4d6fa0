// EXPLAIN (ANALYZE, BUFFERS) of the heaviest incident-list queries, on the SQL the app builds:
// the query string goes through the route's own zod schema and incidentConditions(), and the
// statement through Prisma's $queryRaw with the PrismaPg adapter, as in repository.list.
//
//   tsx bench/explain.ts --database-url URL [--runs 3]

import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { PrismaPg } from '@prisma/adapter-pg'
import { Prisma, PrismaClient } from '../src/generated/prisma/client.ts'
import { createPool } from '../src/plugins/database.ts'
import { sortSpec, type SortFields, type SortSpec } from '../src/db/keyset.ts'
import { incidentConditions, whereClause } from '../src/modules/incidents/filters.ts'
import { incidentListQuery, type IncidentFilters } from '../src/modules/incidents/schemas.ts'

// Private to src/modules/incidents/repository.ts (list, keysetCondition): copied, keep in sync.
const sortFields: SortFields = {
  occurredAt: { kind: 'date' },
  updatedAt: { kind: 'date' },
  fatalities: { kind: 'number', nullable: true }
}
const sortColumns = { occurredAt: Prisma.sql`i.occurred_at`, updatedAt: Prisma.sql`i.updated_at`, fatalities: Prisma.sql`i.fatalities_best` }

function keysetCondition (spec: SortSpec, cursor: { value: unknown, id: string }) {
  const col = sortColumns[spec.field as keyof typeof sortColumns]
  const cmp = spec.desc ? Prisma.sql`<` : Prisma.sql`>`
  if (cursor.value === null) return Prisma.sql`(${col} IS NULL AND i.id ${cmp} ${cursor.id}::uuid)`
  const value = spec.kind === 'date' ? Prisma.sql`${cursor.value}::timestamptz` : Prisma.sql`${cursor.value}::int`
  const rest = spec.nullable ? Prisma.sql` OR ${col} IS NULL` : Prisma.empty
  return Prisma.sql`((${col}, i.id) ${cmp} (${value}, ${cursor.id}::uuid)${rest})`
}

/** The page query of repository.list (and its count(*) with includeTotal) for a query string. */
export function listQueries (query: Record<string, string>, after?: { value: unknown, id: string }) {
  const q = incidentListQuery.parse(query)
  const spec = sortSpec(q.sort, sortFields)
  const conditions = incidentConditions(q as IncidentFilters)
  const filtered = after ? [...conditions, keysetCondition(spec, after)] : conditions
  const col = sortColumns[spec.field as keyof typeof sortColumns]
  const dir = spec.desc ? Prisma.sql`DESC` : Prisma.sql`ASC`
  const nulls = spec.nullable ? Prisma.sql`NULLS LAST` : Prisma.empty
  return {
    page: Prisma.sql`SELECT i.id FROM incidents i ${whereClause(filtered)}
      ORDER BY ${col} ${dir} ${nulls}, i.id ${dir} LIMIT ${q.limit + 1}`,
    count: q.includeTotal ? Prisma.sql`SELECT count(*)::int AS n FROM incidents i ${whereClause(conditions)}` : undefined
  }
}

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Actual Rows': number
  'Actual Loops': number
  'Actual Total Time': number
  'Plan Rows': number
  'Shared Hit Blocks': number
  'Shared Read Blocks': number
  Plans?: PlanNode[]
  [detail: string]: unknown
}
interface Explained { Plan: PlanNode, 'Execution Time': number, 'Planning Time': number }

const details = ['Index Cond', 'Recheck Cond', 'Filter', 'Rows Removed by Filter', 'Rows Removed by Index Recheck', 'Sort Key',
  'Sort Method', 'Heap Fetches', 'Join Filter', 'Hash Cond']

/** One line per node: its kind, the index or table, actual vs estimated rows, time, buffers and conditions. */
function planLines (n: PlanNode, depth = 0, out: string[] = []): string[] {
  const on = n['Index Name'] ? ` using ${n['Index Name']}` : n['Relation Name'] ? ` on ${n['Relation Name']}` : ''
  out.push(`${'  '.repeat(depth)}-> ${n['Node Type']}${on}  rows=${n['Actual Rows']}×${n['Actual Loops']} (est ${n['Plan Rows']})  ` +
    `${n['Actual Total Time'].toFixed(2)} ms  buffers hit=${n['Shared Hit Blocks']} read=${n['Shared Read Blocks']}`)
  for (const d of details) {
    if (n[d] === undefined || n[d] === 0) continue
    const v = Array.isArray(n[d]) ? (n[d] as unknown[]).join(', ') : String(n[d])
    out.push(`${'  '.repeat(depth)}     ${d}: ${v.length > 160 ? `${v.slice(0, 160)}…` : v}`)
  }
  for (const child of n.Plans ?? []) planLines(child, depth + 1, out)
  return out
}

const scans = (n: PlanNode): string[] =>
  [...(n['Node Type'].includes('Scan') ? [`${n['Node Type']} ${n['Index Name'] ?? n['Relation Name'] ?? ''}`.trim()] : []),
    ...(n.Plans ?? []).flatMap(scans)]

export async function explainAll (databaseUrl: string, runs = 3, log: (m: string) => void = console.log) {
  const pool = createPool(databaseUrl) // the app's pool settings, statement_timeout included
  const db = new PrismaClient({ adapter: new PrismaPg(pool) })
  try {
    const [{ end }] = await db.$queryRaw<Array<{ end: Date }>>`SELECT max(occurred_at) AS end FROM incidents WHERE deleted_at IS NULL`
    const [busy] = await db.$queryRaw<Array<{ id: string, name: string, n: number }>>`
      SELECT a.id, a.name, count(*)::int AS n FROM incident_actors ia JOIN actors a ON a.id = ia.actor_id
      WHERE ia.role = 'perpetrator' GROUP BY a.id, a.name ORDER BY n DESC LIMIT 1`
    const to = new Date(end.getTime() + 1).toISOString()
    const from = new Date(end.getTime() - 90 * 86_400_000).toISOString()
    log(`data ends ${end.toISOString()}; busiest perpetrator ${busy.name} (${busy.id}, ${busy.n} incidents)`)

    const cases: Array<[string, Record<string, string>]> = [
      ['a: type=airstrike country=AF last 90 days', { type: 'airstrike', country: 'AF', from, to, sort: '-occurredAt', limit: '50' }],
      ['b: q="airstrike kabul" + total', { q: 'airstrike kabul', sort: '-occurredAt', limit: '50', includeTotal: 'true' }],
      ['c: actor=busiest actorRole=perpetrator sort=-fatalities', { actor: busy.id, actorRole: 'perpetrator', sort: '-fatalities', limit: '50' }],
      ['d: near=34.5,69.2 radiusKm=50', { near: '34.5,69.2', radiusKm: '50', sort: '-occurredAt', limit: '50' }],
      ['e: bbox=Afghanistan minFatalities=5', { bbox: '60.5,29.4,74.9,38.5', minFatalities: '5', sort: '-occurredAt', limit: '50' }],
      ['f: no filter + total (the default first page)', { sort: '-occurredAt', limit: '50', includeTotal: 'true' }],
      ['g: no filter, sort=-fatalities (deadliest first)', { sort: '-fatalities', limit: '50' }]
    ]
    const results: Array<{ name: string, ms: number, scans: string[] }> = []
    const explain = async (name: string, sql: Prisma.Sql) => {
      const times: number[] = []
      let last: Explained | undefined
      for (let i = 0; i < runs; i++) {
        const [row] = await db.$queryRaw<Array<{ 'QUERY PLAN': Explained[] }>>`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`
        last = row['QUERY PLAN'][0]
        times.push(last['Execution Time'])
      }
      const plan = last!
      const best = Math.min(...times)
      log(`\n== ${name}\n   execution ${times.map((t) => t.toFixed(2)).join(' / ')} ms (runs), planning ${plan['Planning Time'].toFixed(2)} ms`)
      for (const line of planLines(plan.Plan)) log(`   ${line}`)
      results.push({ name, ms: best, scans: scans(plan.Plan) })
    }

    for (const [name, query] of cases) {
      const { page, count } = listQueries(query)
      await explain(name, page)
      if (count) await explain(`${name} — count(*)`, count)
    }
    // Page 2 of (c): the keyset condition of a nullable sort adds `OR fatalities_best IS NULL`.
    const cQuery = cases[2][1]
    const firstPage = await db.$queryRaw<Array<{ id: string }>>(listQueries(cQuery).page)
    if (firstPage.length > 50) {
      const last = firstPage[49].id // the row the page's nextCursor points after
      const [{ f }] = await db.$queryRaw<Array<{ f: number | null }>>`SELECT fatalities_best AS f FROM incidents WHERE id = ${last}::uuid`
      await explain('c2: page 2 of c (keyset cursor)', listQueries(cQuery, { value: f, id: last }).page)
    }

    log('\n== summary (best of runs)')
    for (const r of results) log(`   ${r.ms.toFixed(2).padStart(9)} ms  ${r.name}\n              ${r.scans.join('; ')}`)
    return results
  } finally {
    await db.$disconnect()
    await pool.end()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { 'database-url': { type: 'string', default: process.env.DATABASE_URL }, runs: { type: 'string', default: '3' } } })
  if (!values['database-url']) throw new Error('give --database-url (or DATABASE_URL)')
  explainAll(values['database-url'], Number(values.runs)).catch((err) => { console.error(err); process.exitCode = 1 })
}
