// The whole benchmark on a throwaway embedded PostgreSQL: migrate, generate, explain, remove.
//
//   tsx bench/run.ts [--incidents 100000] [--statements 300000] [--actors 10000] [--seed 42] [--runs 3]
//
// The cluster runs with fsync off (forTests): that only speeds up the load; plans and query
// times are of a warm cache either way.

import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createTempDir, startEmbeddedPostgres } from '../src/db/embedded.ts'
import { migrate } from '../src/db/migrate.ts'
import { generate } from './generate.ts'
import { explainAll } from './explain.ts'

const { values: a } = parseArgs({
  options: {
    incidents: { type: 'string', default: '100000' },
    statements: { type: 'string', default: '300000' },
    actors: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '42' },
    runs: { type: 'string', default: '3' }
  }
})

const dir = await createTempDir('sitrep-bench-')
try {
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), database: 'sitrep', forTests: true })
  try {
    await migrate(server.url)
    await generate(server.url, { incidents: Number(a.incidents), statements: Number(a.statements), actors: Number(a.actors), seed: Number(a.seed) })
    await explainAll(server.url, Number(a.runs))
  } finally {
    await server.stop()
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
