// What asOf costs: the same list pages, export and stats read now and asOf a past change-log
// position, on a throwaway embedded PostgreSQL with generated data.
//
//   tsx bench/asof.ts [--incidents 20000] [--statements 60000] [--actors 2000] [--edited 0.2] [--runs 5]
//
// bench/generate.ts loads rows with COPY and writes no change log, so this script writes the log a
// mirror would have: one `created` change per record with its view (the export SQL's JSON, which
// tests hold equal to the API's), then an `updated` change for a share of the incidents (--edited).
// asOf is measured at the position before those edits (answers differ from now) and at the last one.

import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { Prisma } from '../src/generated/prisma/client.ts'
import { createTempDir, startEmbeddedPostgres } from '../src/db/embedded.ts'
import { migrate } from '../src/db/migrate.ts'
import { jsonSql } from '../src/db/export-sql.ts'
import { rawRows } from '../src/db/rows.ts'
import { incidentExport, incidentExportOf } from '../src/modules/incidents/export.ts'
import { statementExport } from '../src/modules/statements/export.ts'
import { casualtyExport } from '../src/modules/casualties/export.ts'
import { incidentExportSql, listIncidents, listIncidentsAsOf } from '../src/modules/incidents/repository.ts'
import { listStatements, listStatementsAsOf } from '../src/modules/statements/repository.ts'
import { createStatsRepository } from '../src/modules/stats/repository.ts'
import { incidentListQuery } from '../src/modules/incidents/schemas.ts'
import { statementListQuery } from '../src/modules/statements/schemas.ts'
import { incidentStatsQuery } from '../src/modules/stats/schemas.ts'
import { generate } from './generate.ts'

const { values: a } = parseArgs({
  options: {
    incidents: { type: 'string', default: '20000' },
    statements: { type: 'string', default: '60000' },
    actors: { type: 'string', default: '2000' },
    edited: { type: 'string', default: '0.2' },
    runs: { type: 'string', default: '5' },
    'database-url': { type: 'string' }
  }
})

const sql = Prisma.sql

/** The log a mirror would hold: every record created, with its view as the API shows it. */
async function writeLog (pool: pg.Pool) {
  const started = performance.now()
  const created = (entity: string, view: Prisma.Sql, from: Prisma.Sql, id: Prisma.Sql, at: Prisma.Sql) => sql`
    INSERT INTO changes (entity, entity_id, action, version, before, after, at)
    SELECT ${entity}, ${id}, 'created', 1, NULL, (${view})::jsonb, ${at} FROM ${from} ORDER BY ${at}, ${id}`
  await rawRows(pool, created('actor', sql`jsonb_build_object('id', a.id, 'name', a.name, 'kind', a.kind, 'aliases', to_jsonb(a.aliases),
    'countryCode', a.country_code, 'parentId', a.parent_id, 'title', a.title, 'description', a.description, 'externalIds', '{}'::jsonb,
    'mergedIntoId', a.merged_into_id, 'createdAt', a.created_at, 'updatedAt', a.updated_at, 'version', a.version)::text`,
  sql`actors a`, sql`a.id`, sql`a.created_at`))
  await rawRows(pool, created('incident', jsonSql(incidentExport.fields), sql`incidents i`, sql`i.id`, sql`i.created_at`))
  await rawRows(pool, created('casualtyReport', jsonSql(casualtyExport.fields), sql`casualty_reports r`, sql`r.id`, sql`r.created_at`))
  await rawRows(pool, created('statement', jsonSql(statementExport.fields), sql`statements s`, sql`s.id`, sql`s.created_at`))
  const [{ seq }] = await rawRows<{ seq: string }>(pool, sql`SELECT max(seq)::text AS seq FROM changes`)
  // A share of the incidents edited afterwards: the title, the tags and the version, as an edit would.
  const share = Number(a.edited)
  await rawRows(pool, sql`UPDATE incidents SET title = title || ' (updated)', tags = tags || '{edited}'::text[], version = version + 1,
    updated_at = now() WHERE abs(hashtext(id::text)) % 1000 < ${Math.round(share * 1000)}`)
  await rawRows(pool, sql`INSERT INTO changes (entity, entity_id, action, version, before, after, at)
    SELECT 'incident', i.id, 'updated', i.version, NULL, (${jsonSql(incidentExport.fields)})::jsonb, now() FROM incidents i WHERE i.version > 1 ORDER BY i.id`)
  await rawRows(pool, sql`VACUUM (ANALYZE) changes`)
  const [{ n, last }] = await rawRows<{ n: number, last: string }>(pool, sql`SELECT count(*)::int AS n, max(seq)::text AS last FROM changes`)
  console.log(`change log: ${n.toLocaleString('en-US')} entries written in ${((performance.now() - started) / 1000).toFixed(1)} s; before the edits: seq ${seq}, last: seq ${last}`)
  return { before: seq, last }
}

async function median (runs: number, fn: () => Promise<unknown>) {
  const times: number[] = []
  await fn() // warm
  for (let n = 0; n < runs; n++) {
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
  }
  times.sort((x, y) => x - y)
  return times[Math.floor(times.length / 2)]
}

async function measure (url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  try {
    const { before, last } = await writeLog(pool)
    const runs = Number(a.runs)
    const incidents = (q: Record<string, string>) => incidentListQuery.parse(q)
    const stats = createStatsRepository(pool)
    const cases: Array<[string, (seq?: string) => Promise<unknown>]> = [
      ['incident page, default sort, 50 rows', (seq) => {
        const q = incidents({})
        return seq ? listIncidentsAsOf(pool, seq, q) : listIncidents(pool, q)
      }],
      ['incident page, type + country + 90 days, includeTotal', (seq) => {
        const q = incidents({ type: 'airstrike,shelling', country: 'AF,PK', from: '2026-07-01', includeTotal: 'true' })
        return seq ? listIncidentsAsOf(pool, seq, q) : listIncidents(pool, q)
      }],
      ['statement page, default sort, 50 rows', (seq) => {
        const q = statementListQuery.parse({})
        return seq ? listStatementsAsOf(pool, seq, q) : listStatements(pool, q)
      }],
      ['incident NDJSON export, every incident', (seq) => rawRows(pool, incidentExportSql(incidents({}), 'ndjson', seq ? incidentExportOf('log') : incidentExport, seq))],
      ['incident stats, groupBy=type,month', (seq) => stats.incidentStats(incidentStatsQuery.parse({ groupBy: 'type,month' }), 10_001, seq)]
    ]
    console.log(`\nmedian of ${runs} runs after one warm-up (ms): now | asOf before the edits | asOf the last position`)
    for (const [name, run] of cases) {
      const now = await median(runs, () => run())
      const past = await median(runs, () => run(before))
      const latest = await median(runs, () => run(last))
      console.log(`${name.padEnd(56)} ${now.toFixed(1).padStart(8)} | ${past.toFixed(1).padStart(8)} (${(past / now).toFixed(1)}×) | ${latest.toFixed(1).padStart(8)} (${(latest / now).toFixed(1)}×)`)
    }
  } finally {
    await pool.end()
  }
}

if (a['database-url']) {
  await measure(a['database-url'])
} else {
  const dir = await createTempDir('sitrep-asof-')
  try {
    const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), database: 'sitrep', forTests: true })
    try {
      await migrate(server.url)
      await generate(server.url, { incidents: Number(a.incidents), statements: Number(a.statements), actors: Number(a.actors), seed: 42 })
      await measure(server.url)
    } finally {
      await server.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
