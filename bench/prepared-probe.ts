// Does a named (prepared) statement make W1 slower once PostgreSQL switches it to a generic plan?
// sitrep sends unnamed statements, planned with their parameters each time; this times W1's SQL both ways.
//
//   tsx bench/prepared-probe.ts postgresql://postgres@127.0.0.1:5432/sitrep_bench_base

import pg from 'pg'
import { Prisma } from '../src/generated/prisma/client.ts'
import { incidentColumnsSql } from '../src/modules/incidents/views.ts'

const client = new pg.Client({ connectionString: process.argv[2] })
await client.connect()
const w1 = Prisma.sql`SELECT ${incidentColumnsSql} FROM incidents i WHERE i.deleted_at IS NULL AND i.type = ANY(${['airstrike']}::"IncidentType"[])
  AND i.country_codes && ${['UA']}::text[] AND i.occurred_at >= ${new Date('2026-07-03')} ORDER BY i.occurred_at DESC, i.id DESC LIMIT ${51}`

async function median (name?: string) {
  const ms: number[] = []
  // 40 runs: PostgreSQL considers a generic plan for a named statement from the sixth execution on.
  for (let k = 0; k < 40; k++) {
    const t0 = performance.now()
    await client.query({ name, text: w1.text, values: w1.values as unknown[] })
    ms.push(performance.now() - t0)
  }
  return ms.sort((a, b) => a - b)[20].toFixed(2)
}

console.log(`unnamed (as sitrep sends it): median ${await median()} ms`)
console.log(`named prepared statement:     median ${await median('w1')} ms`)
await client.end()
