// What PostgreSQL alone spends writing the exports: EXPLAIN (ANALYZE) of the query each export's COPY
// runs (the app's own SQL: incidentExportSql and friends, values inlined as COPY needs), per format,
// and of the same query with parts of the view left out, so the cost splits into scalars, nested
// objects and link lists. No network, no Node: the rows are computed and dropped. Beside the execution
// time it reads the backend's CPU time from /proc (same machine only): on a shared machine the wall
// time counts waiting for a core, the CPU time hardly does.
//
//   tsx bench/export-sql.ts --database-url URL [--runs 3] [--only csv,geojson (names containing)]

import { parseArgs } from 'node:util'
import pg from 'pg'
import { Prisma } from '../src/generated/prisma/client.ts'
import { inlineSql } from '../src/db/copy.ts'
import { jsonSql } from '../src/db/export-sql.ts'
import { incidentExportSql } from '../src/modules/incidents/repository.ts'
import { incidentExport } from '../src/modules/incidents/export.ts'
import { incidentListQuery } from '../src/modules/incidents/schemas.ts'
import { cpuMs } from './cpu.ts'

const { values: a } = parseArgs({ options: { 'database-url': { type: 'string' }, runs: { type: 'string', default: '3' }, only: { type: 'string' } } })
if (!a['database-url']) throw new Error('--database-url is required')
const client = new pg.Client({ connectionString: a['database-url'] })
await client.connect()
// One backend: the CPU read from /proc would miss parallel workers' (the export may run with them).
await client.query('SET statement_timeout = 0; SET max_parallel_workers_per_gather = 0')
const [{ pid }] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows

const q = incidentListQuery.parse({})
const fields = incidentExport.fields
const scalarsOnly = fields.filter((f) => f.kind !== 'object' && f.kind !== 'list')
const part = (kept: typeof fields) => Prisma.sql`SELECT ${jsonSql(kept)} FROM incidents i WHERE i.deleted_at IS NULL ORDER BY i.occurred_at DESC, i.id DESC`
const queries: Record<string, Prisma.Sql> = {
  'ndjson (the export)': incidentExportSql(q, 'ndjson'),
  'csv (the export)': incidentExportSql(q, 'csv'),
  'geojson (the export)': incidentExportSql(q, 'geojson'),
  'ndjson: scalar fields only': part(scalarsOnly),
  'ndjson: scalars + objects (location, fatalities, externalIds, acled)': part(fields.filter((f) => f.kind !== 'list' || f.key === 'tags' || f.key === 'countryCodes')),
  'ndjson: all but the link lists (actors, sourceIds, relations)': part(fields.filter((f) => f.kind !== 'list' || f.key === 'tags' || f.key === 'countryCodes')),
  'ndjson: id only (scan and sort order)': part(fields.slice(0, 1))
}
const picked = a.only ? Object.fromEntries(Object.entries(queries).filter(([name]) => a.only!.split(',').some((w) => name.includes(w)))) : queries

const [{ n }] = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM incidents WHERE deleted_at IS NULL')).rows
console.log(`${n} live incidents; ${a.runs} runs each, alternating; median execution time and median backend CPU time`)
const times: Record<string, number[]> = {}
const cpu: Record<string, number[]> = {}
for (let run = 0; run < Number(a.runs); run++) {
  for (const [name, sql] of Object.entries(picked)) {
    const before = cpuMs(pid)
    const plan = (await client.query(`EXPLAIN (ANALYZE, TIMING OFF) ${inlineSql(sql)}`)).rows.map((r) => r['QUERY PLAN'] as string)
    ;(cpu[name] ??= []).push(cpuMs(pid) - before)
    const ms = Number(/Execution Time: ([\d.]+) ms/.exec(plan.at(-1)!)![1])
    ;(times[name] ??= []).push(ms)
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
const s = (ms: number) => (ms / 1000).toFixed(2)
console.log(`${''.padEnd(72)} ${'wall'.padStart(7)}    ${'rows/s'.padStart(8)}  ${'CPU'.padStart(7)}    ${'rows/s'.padStart(8)}`)
for (const [name, ms] of Object.entries(times)) {
  const wall = median(ms)
  const c = median(cpu[name])
  console.log(`${name.padEnd(72)} ${s(wall).padStart(7)} s  ${(n / (wall / 1000)).toFixed(0).padStart(8)}  ${s(c).padStart(7)} s  ${(n / (c / 1000)).toFixed(0).padStart(8)}  ` +
    `(wall ${ms.map(s).join(', ')}; CPU ${cpu[name].map(s).join(', ')})`)
}
await client.end()
