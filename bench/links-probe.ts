// What loading a list page's links costs, before and after issue 15 item 3: the bench's W1 and W2
// pages read the old way (one statement, each row's actors, sources and relations in per-row
// json_agg subqueries) and the new way (the page's own columns, then one statement reading each
// link table once with `= ANY(page ids)`, as src/modules/incidents/views.ts withLinks does),
// alternated in rounds on one database. Wall time per page from this client, both round trips
// included for the new way.
//
//   tsx bench/links-probe.ts --database-url URL [--incidents 200000] [--rounds 7] [--runs 100] [--keep]
//
// A third variant reads per row as before but with the roles' new fields, which separates what the
// loader costs from what the larger roles cost. Fills the database with bench/generate.ts unless
// --keep finds it filled, then prints the median per round of each variant and the median and range
// of the ratios.

import { parseArgs } from 'node:util'
import pg from 'pg'
import { Prisma, type Incident } from '../src/generated/prisma/client.ts'
import { rawRows } from '../src/db/rows.ts'
import { incidentConditions, whereClause } from '../src/modules/incidents/filters.ts'
import { incidentColumnsSql, relationStatementsSql, withLinks } from '../src/modules/incidents/views.ts'
import { migrate } from '../src/db/migrate.ts'
import { END, generate } from './generate.ts'

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    incidents: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '7' },
    runs: { type: 'string', default: '100' },
    keep: { type: 'boolean', default: false }
  }
})
const url = values['database-url']
if (!url) throw new Error('--database-url is required')
await migrate(url)
const pool = new pg.Pool({ connectionString: url, max: 1 })
const filled = values.keep && (await pool.query('SELECT count(*)::int AS n FROM incidents').catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n > 0
if (!filled) await generate(url, { incidents: Number(values.incidents), statements: Number(values.incidents), actors: 10_000, seed: 42, truncate: true })

// The incident row as the list read it before: every link in a per-row subquery (the old incidentRowSql).
const before = Prisma.sql`${incidentColumnsSql},
  coalesce((SELECT json_agg(json_build_object('actorId', ia.actor_id, 'role', ia.role) ORDER BY ia.position)
    FROM incident_actors ia WHERE ia.incident_id = i.id), '[]') AS actors,
  coalesce((SELECT json_agg(json_build_object('sourceId', src.source_id) ORDER BY src.position)
    FROM incident_sources src WHERE src.incident_id = i.id), '[]') AS sources,
  coalesce((SELECT json_agg(json_build_object('toId', r.to_id, 'kind', r.kind, 'assertedById', r.asserted_by_id, 'statementIds', ${relationStatementsSql})
    ORDER BY r.position) FROM incident_relations r WHERE r.from_id = i.id), '[]') AS relations`

// The same per-row reading with the roles as they are now: what the old way would cost this data.
const perRow = Prisma.sql`${incidentColumnsSql},
  coalesce((SELECT json_agg(json_build_object('id', ia.id, 'actorId', ia.actor_id, 'role', ia.role, 'attribution', ia.attribution,
      'assertedById', ia.asserted_by_id, 'disputed', ia.disputed, 'statementIds', coalesce((SELECT json_agg(st.statement_id ORDER BY st.position)
        FROM incident_actor_statements st WHERE st.incident_actor_id = ia.id), '[]')) ORDER BY ia.position)
    FROM incident_actors ia WHERE ia.incident_id = i.id), '[]') AS actors,
  coalesce((SELECT json_agg(json_build_object('sourceId', src.source_id) ORDER BY src.position)
    FROM incident_sources src WHERE src.incident_id = i.id), '[]') AS sources,
  coalesce((SELECT json_agg(json_build_object('toId', r.to_id, 'kind', r.kind, 'assertedById', r.asserted_by_id, 'statementIds', ${relationStatementsSql})
    ORDER BY r.position) FROM incident_relations r WHERE r.from_id = i.id), '[]') AS relations`

const [{ actor }] = (await pool.query('SELECT actor_id AS actor FROM incident_actors GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1')).rows
const from90 = new Date(END - 90 * 86_400_000)
const workloads = {
  W1: incidentConditions({ type: ['airstrike'], country: ['UA'], from: from90.toISOString() } as never),
  W2: incidentConditions({ actor: [actor] } as never)
}
const page = (select: Prisma.Sql, where: Prisma.Sql[]) =>
  Prisma.sql`SELECT ${select} FROM incidents i ${whereClause(where)} ORDER BY i.occurred_at DESC, i.id DESC LIMIT 51`
const variants = {
  before: (where: Prisma.Sql[]) => rawRows(pool, page(before, where)),
  perRow: (where: Prisma.Sql[]) => rawRows(pool, page(perRow, where)),
  after: async (where: Prisma.Sql[]) => withLinks(pool, await rawRows<Incident>(pool, page(incidentColumnsSql, where)))
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
async function time (run: () => Promise<unknown>, runs: number) {
  const ms: number[] = []
  for (let k = 0; k < runs; k++) {
    const t0 = process.hrtime.bigint()
    await run()
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(ms)
}

const runs = Number(values.runs)
for (const [name, where] of Object.entries(workloads)) {
  for (const run of Object.values(variants)) await time(() => run(where), 20)
  const ratios: number[] = []
  const perRowRatios: number[] = []
  for (let round = 1; round <= Number(values.rounds); round++) {
    // Rotate which goes first, so a burst of load elsewhere does not always land on one.
    const names = Object.keys(variants) as Array<keyof typeof variants>
    const order = [...names.slice(round % 3), ...names.slice(0, round % 3)]
    const ms = {} as Record<keyof typeof variants, number>
    for (const v of order) ms[v] = await time(() => variants[v](where), runs)
    ratios.push(ms.after / ms.before)
    perRowRatios.push(ms.after / ms.perRow)
    console.log(`${name} round ${round}: before ${ms.before.toFixed(3)} ms, per-row with today's roles ${ms.perRow.toFixed(3)} ms, ` +
      `after ${ms.after.toFixed(3)} ms, after ÷ before ${(ms.after / ms.before).toFixed(3)}, after ÷ per-row ${(ms.after / ms.perRow).toFixed(3)}`)
  }
  console.log(`${name}: after ÷ per-row with today's roles, median ${median(perRowRatios).toFixed(3)} (${Math.min(...perRowRatios).toFixed(3)}–${Math.max(...perRowRatios).toFixed(3)})`)
  console.log(`${name}: after ÷ before, median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`)
}
await pool.end()
process.exit(0)
