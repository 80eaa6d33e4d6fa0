// Times an actor merge that rewrites many links (issue 12 item 3): a duplicate named by N records
// (incident links, statements it made, casualty figures it gave; default 10,000 in all) is merged
// into a survivor through the merge service, as POST /v1/actors/{id}/merge does, on an embedded
// PostgreSQL (or --database-url, which must be an empty database: it is migrated first).
//
//   tsx bench/merge.ts [--links 10000] [--runs 3] [--database-url URL]

import { parseArgs } from 'node:util'
import { rm } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../src/generated/prisma/client.ts'
import { createPool } from '../src/plugins/database.ts'
import { createTempDir, startEmbeddedPostgres } from '../src/db/embedded.ts'
import { migrate } from '../src/db/migrate.ts'
import { runImport } from '../src/modules/imports/service.ts'
import { createActorMerge } from '../src/modules/actors/merge.ts'

const { values } = parseArgs({ options: { links: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' }, 'database-url': { type: 'string' } } })
const links = Number(values.links)
const runs = Number(values.runs)

/** NDJSON naming actor `dup` `links` times: 40% incident links, 30% statements, 30% casualty figures. */
function world (run: number) {
  const lines: object[] = [
    { entity: 'actor', ref: 'dup', data: { name: `Duplicate ${run}`, kind: 'armed_group' } },
    { entity: 'actor', ref: 'survivor', data: { name: `Survivor ${run}`, kind: 'armed_group' } }
  ]
  const incidents = Math.ceil(links * 0.4)
  for (let n = 0; n < incidents; n++) {
    lines.push({ entity: 'incident', ref: `i${n}`, data: { type: 'armed_clash', title: `Clash ${n}`, occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'], actors: [{ actorId: { ref: 'dup' }, role: 'perpetrator' }] } })
  }
  for (let n = 0; n < Math.floor(links * 0.3); n++) {
    lines.push({ entity: 'statement', data: { speakerId: { ref: 'dup' }, kind: 'claim', summary: `Claim ${n}`, language: 'en', statedAt: '2025-01-02T00:00:00Z' } })
    lines.push({ entity: 'casualtyReport', data: { incidentId: { ref: `i${n % incidents}` }, reportedById: { ref: 'dup' }, category: 'killed', min: n % 9, qualifier: 'exact' } })
  }
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n'
}

let stopServer = async () => {}
let url = values['database-url']
if (!url) {
  const dataDir = await createTempDir('sitrep-bench-merge-')
  const server = await startEmbeddedPostgres({ dataDir, database: 'postgres' })
  url = server.url
  stopServer = async () => { await server.stop(); await rm(dataDir, { recursive: true, force: true }) }
}
try {
  await migrate(url)
  const pool = createPool(url, { statementTimeoutMs: 15_000 })
  const db = new PrismaClient({ adapter: new PrismaPg(pool) })
  const merge = createActorMerge(db)
  const times: number[] = []
  for (let run = 0; run < runs; run++) {
    const { refs } = await runImport(pool, world(run), { keyName: 'bench' })
    const started = performance.now()
    await merge(refs.dup, refs.survivor, 'bench')
    times.push(performance.now() - started)
    const [{ changes }] = await db.$queryRaw<Array<{ changes: number }>>`SELECT count(*)::int AS changes FROM changes WHERE action = 'updated'`
    console.log(`run ${run + 1}: merged an actor named by ${links} records in ${times[run].toFixed(0)} ms (${changes} 'updated' changes logged so far)`)
  }
  times.sort((a, b) => a - b)
  console.log(`merge of ${links} links: median ${times[times.length >> 1].toFixed(0)} ms over ${runs} runs (min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)})`)
  await db.$disconnect()
  await pool.end()
} finally {
  await stopServer()
}
