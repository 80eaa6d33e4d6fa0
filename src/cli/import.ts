import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { Problem } from '../http/problems.ts'
import { runImport } from '../modules/imports/service.ts'
import { runDatasetImport } from '../modules/imports/external/index.ts'
import { datasetFormats, type DatasetFormat } from '../modules/imports/schemas.ts'
import { UsageError, withCliDatabase } from './database.ts'

// `npm run import -- FILE.ndjson [--dry-run]`, or `npm run import -- --from acled|ucdp-ged FILE.csv`:
// the same import as POST /v1/import, from the command line.
const usage = `usage: npm run import -- [--from ${datasetFormats.join('|')}] FILE [--dry-run]`
let args: { file?: string, from?: string, dryRun: boolean }
try {
  const { values, positionals } = parseArgs({ options: { from: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } }, allowPositionals: true })
  args = { file: positionals[0], from: values.from, dryRun: values['dry-run'] }
} catch (err) {
  args = { dryRun: false }
  console.error((err as Error).message)
}
const { file, from, dryRun } = args

function progressBar (done: number, total: number) {
  const width = 30
  const filled = Math.round((done / total) * width)
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} lines`)
}

await withCliDatabase(async ({ appUrl: databaseUrl }) => {
  if (!file) throw new UsageError(usage)
  if (from !== undefined && !(datasetFormats as readonly string[]).includes(from)) throw new UsageError(`--from takes ${datasetFormats.join(' or ')}\n${usage}`)
  const text = await readFile(file, 'utf8').catch(() => { throw new UsageError(`cannot read ${file}`) })
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 })
  const started = Date.now()
  try {
    let lastDraw = 0
    const run = (opts: Parameters<typeof runImport>[2]) => (from ? runDatasetImport(pool, from as DatasetFormat, text, opts) : runImport(pool, text, opts))
    const result = await run({
      dryRun,
      keyName: 'cli import',
      onProgress: process.stderr.isTTY
        ? (done, total) => {
            if (done === total || Date.now() - lastDraw > 100) { progressBar(done, total); lastDraw = Date.now() }
          }
        : undefined
    })
    if (process.stderr.isTTY) process.stderr.write('\n')
    const seconds = (Date.now() - started) / 1000
    const total = Object.values(result.created).reduce((a, b) => a + b, 0)
    const parts = Object.entries(result.created).filter(([, n]) => n > 0).map(([e, n]) => `${n} ${e}`)
    console.log(`${dryRun ? 'dry run: would import' : 'imported'} ${total} records (${parts.join(', ') || 'none'}) in ${seconds.toFixed(1)} s (${Math.round(total / Math.max(seconds, 0.001))} records/s)`)
    const updated = Object.entries(result.updated).filter(([, n]) => n > 0).map(([e, n]) => `${n} ${e}`)
    if (from) console.log(`${dryRun ? 'would update' : 'updated'} ${updated.join(', ') || 'none'}; ${result.unchanged} unchanged`)
  } catch (err) {
    if (process.stderr.isTTY) process.stderr.write('\n')
    if (!(err instanceof Problem)) throw err
    const lines = (err.extra.errors ?? []).map((e) => `line ${e.line}: ${e.path ? `${e.path}: ` : ''}${e.message}`)
    throw new UsageError([err.message, ...lines].join('\n'))
  } finally {
    await pool.end()
  }
})
