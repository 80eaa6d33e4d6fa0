// Peak memory of the API process while it takes one bulk import as large as the body limit (64 MiB).
//
//   npx tsx bench/import-rss.ts [--mib 64] [--dry-run] [--idempotency-key]
//   IMPORT_RSS_DATABASE_URL=postgresql://… npx tsx bench/import-rss.ts   (an empty, migrated or new database)
//
// Starts the real server (`node --import tsx src/server.ts`) on a throwaway embedded PostgreSQL
// (unless IMPORT_RSS_DATABASE_URL is set), sends one NDJSON body of incidents just under the limit,
// and prints the server's resident memory (VmRSS) idle before and the peak (VmHWM, from
// /proc/<pid>/status) over the import, with the answer's status and time.

import { execFile, spawn } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import getPort from 'get-port'
import { createTempDir, startEmbeddedPostgres } from '../src/db/embedded.ts'
import { migrate } from '../src/db/migrate.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const { values: a } = parseArgs({ options: { mib: { type: 'string', default: '64' }, 'dry-run': { type: 'boolean', default: false }, 'idempotency-key': { type: 'boolean', default: false } } })

async function memory (pid: number) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

/** NDJSON incidents (≈ 650 bytes a line, as the limit's comment assumes) up to `bytes`. */
function body (bytes: number) {
  const lines: string[] = []
  let size = 0
  for (let i = 0; ; i++) {
    const line = JSON.stringify({
      entity: 'incident',
      data: {
        type: 'airstrike',
        title: `Imported strike ${i}`,
        summary: `Strike number ${i} reported by local officials; `.repeat(10),
        occurredAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
        countryCodes: ['AF'],
        tags: ['bench', 'import']
      }
    })
    if (size + line.length + 1 > bytes) break
    lines.push(line)
    size += line.length + 1
  }
  return { text: `${lines.join('\n')}\n`, lines: lines.length }
}

async function run (url: string) {
  await migrate(url)
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', 'create', '--name', `import-rss-${Date.now()}`, '--scopes', 'write', '--json'],
    { cwd: root, env: { ...process.env, DATABASE_URL: url } })
  const key = (JSON.parse(stdout) as { secret: string }).secret
  const port = await getPort({ host: '127.0.0.1' })
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), DEMO_DATA: 'false', MIGRATE_ON_START: 'false', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', REQUEST_TIMEOUT_MS: '600000', CONNECTION_TIMEOUT_MS: '600000', STATEMENT_TIMEOUT_MS: '600000' },
    stdio: ['ignore', 'inherit', 'inherit']
  })
  try {
    const base = `http://127.0.0.1:${port}`
    for (let i = 0; !(await fetch(`${base}/readyz`).then((r) => r.ok, () => false)); i++) {
      if (i > 300) throw new Error('the server did not become ready')
      await sleep(100)
    }
    // A few requests first, so the idle figure includes what every request path loads.
    for (let i = 0; i < 20; i++) await fetch(`${base}/v1/incidents?limit=5`)
    const { text, lines } = body(Number(a.mib) * 1024 * 1024 - 1024)
    const idle = await memory(child.pid!)
    const started = Date.now()
    const res = await fetch(`${base}/v1/import${a['dry-run'] ? '?dryRun=true' : ''}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson', ...(a['idempotency-key'] ? { 'idempotency-key': `import-rss-${Date.now()}` } : {}) },
      body: text
    })
    const answer = await res.text()
    const seconds = (Date.now() - started) / 1000
    const after = await memory(child.pid!)
    console.log(`import of ${(Buffer.byteLength(text) / 2 ** 20).toFixed(1)} MiB, ${lines} lines${a['dry-run'] ? ' (dryRun)' : ''}${a['idempotency-key'] ? ' with an Idempotency-Key' : ''}: ${res.status} in ${seconds.toFixed(1)} s`)
    if (res.status !== 200) console.log(answer.slice(0, 500))
    console.log(`server RSS idle before: ${idle.rss.toFixed(0)} MB; peak (VmHWM) during the import: ${after.peak.toFixed(0)} MB; RSS after: ${after.rss.toFixed(0)} MB`)
  } finally {
    child.kill('SIGTERM')
  }
}

if (process.env.IMPORT_RSS_DATABASE_URL) {
  await run(process.env.IMPORT_RSS_DATABASE_URL)
} else {
  const dir = await createTempDir('sitrep-import-rss-')
  const server = await startEmbeddedPostgres({ dataDir: dir })
  try {
    await run(server.url)
  } finally {
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
process.exit(0)
