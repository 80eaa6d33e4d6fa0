// What the relations column costs a list page: the same 50-row page query (incidentRowSql, newest
// first) with and without the per-row relations subquery, alternating in rounds on one database.
//
//   tsx bench/relations-probe.ts --database-url URL [--incidents 50000] [--rounds 7] [--runs 200]
//
// Fills an empty, migrated database with incidents (1 in 20 with a relation) and prints the median
// time per query of each variant per round, and the median and range of their ratio.

import { parseArgs } from 'node:util'
import pg from 'pg'
import { Prisma } from '../src/generated/prisma/client.ts'
import { modelColumns, rawRows } from '../src/db/rows.ts'
import { migrate } from '../src/db/migrate.ts'
import { incidentFields, incidentRowSql } from '../src/modules/incidents/views.ts'

const { values } = parseArgs({
  options: { 'database-url': { type: 'string' }, incidents: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '7' }, runs: { type: 'string', default: '200' } }
})
const url = values['database-url']
if (!url) throw new Error('--database-url is required')
await migrate(url)
const pool = new pg.Pool({ connectionString: url, max: 1 })
const n = Number(values.incidents)

await pool.query('TRUNCATE incidents CASCADE')
await pool.query(`INSERT INTO incidents (id, type, title, occurred_at, country_codes)
  SELECT gen_random_uuid(), 'airstrike', 'Incident ' || g, now() - g * interval '1 hour', '{AF}' FROM generate_series(1, $1::int) g`, [n])
await pool.query(`INSERT INTO incident_relations (from_id, to_id, kind)
  SELECT a.id, b.id, 'responds_to' FROM (SELECT id, row_number() OVER (ORDER BY id) r FROM incidents) a
  JOIN (SELECT id, row_number() OVER (ORDER BY id) r FROM incidents) b ON b.r = a.r + 1 WHERE a.r % 20 = 0`)
await pool.query('ANALYZE')

// incidentRowSql as it was before relations.
const without = Prisma.sql`${modelColumns('i', incidentFields)},
  coalesce((SELECT json_agg(json_build_object('actorId', ia.actor_id, 'role', ia.role) ORDER BY ia.position)
    FROM incident_actors ia WHERE ia.incident_id = i.id), '[]') AS actors,
  coalesce((SELECT json_agg(json_build_object('sourceId', src.source_id) ORDER BY src.position)
    FROM incident_sources src WHERE src.incident_id = i.id), '[]') AS sources`
const page = (select: Prisma.Sql) => Prisma.sql`SELECT ${select} FROM incidents i WHERE i.deleted_at IS NULL
  AND i.type = ANY(${['airstrike']}::"IncidentType"[]) AND i.country_codes && ${['AF']}::text[] ORDER BY i.occurred_at DESC, i.id DESC LIMIT 51`

async function time (sql: Prisma.Sql, runs: number) {
  const ms: number[] = []
  for (let k = 0; k < runs; k++) {
    const t0 = process.hrtime.bigint()
    await rawRows(pool, sql)
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  return median(ms)
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const runs = Number(values.runs)
await time(page(incidentRowSql), 50)
await time(page(without), 50)
const ratios: number[] = []
for (let round = 1; round <= Number(values.rounds); round++) {
  const before = await time(page(without), runs)
  const after = await time(page(incidentRowSql), runs)
  ratios.push(after / before)
  console.log(`round ${round}: without relations ${before.toFixed(3)} ms, with ${after.toFixed(3)} ms, ratio ${(after / before).toFixed(3)}`)
}
console.log(`${n} incidents, 50-row page: with ÷ without relations, median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`)
await pool.end()
process.exit(0)
