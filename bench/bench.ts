// `npm run bench`: sitrep against a hand-written Fastify + pg server (bench/raw-server.ts) on the
// same generated database, the same workloads, the same load generator (wrk), one after the other.
//
//   npm run bench -- [--incidents 1000000] [--statements 3000000] [--actors 10000] [--seed 42]
//                    [--connections 32] [--duration 10] [--warmup 3] [--only W1,W3]
//                    [--database-url postgresql://…] [--data-dir .bench] [--out bench/RESULTS.md]
//
// Without --database-url the data lives in a persistent embedded PostgreSQL under --data-dir, so
// the minutes of generation are paid once: the generated database (sitrep_bench_base) carries a
// comment naming its size, seed and the hash of the generator and migrations, and is rebuilt only
// when one of those changes. Each run works on a fresh copy (CREATE DATABASE … TEMPLATE), so the
// W11 import never leaks into the next run.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import getPort from 'get-port'
import pg from 'pg'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { END } from './generate.ts'
import { importFile, procMem, resetPeak, streamCount } from './throughput.ts'
import { ensureWrk, wrk, type WrkResult } from './wrk.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const { values: a } = parseArgs({
  options: {
    incidents: { type: 'string', default: '1000000' },
    statements: { type: 'string', default: '3000000' },
    actors: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '42' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    only: { type: 'string' },
    'database-url': { type: 'string' },
    /** measure an existing database as it is: no generation, no copy (W11 writes into it) */
    'use-database': { type: 'string' },
    'data-dir': { type: 'string', default: join(root, '.bench') },
    'import-lines': { type: 'string', default: '50000' },
    out: { type: 'string', default: join(root, 'bench', 'RESULTS.md') }
  }
})

const log = (m: string) => console.log(m)
const MiB = 1024 * 1024
const BASE = 'sitrep_bench_base'
const RUN = 'sitrep_bench_run'

const withDatabase = (url: string, name: string) => { const u = new URL(url); u.pathname = `/${name}`; return u.toString() }

async function sql<T = Record<string, unknown>> (url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try { return (await client.query(text, values)).rows as T[] } finally { await client.end() }
}

/** What the generated data depends on: a change to any of these rebuilds it. */
function datasetLabel () {
  const hash = createHash('sha1')
  for (const f of ['bench/generate.ts', 'bench/world.ts']) hash.update(readFileSync(join(root, f)))
  for (const m of readdirSync(join(root, 'prisma/migrations')).sort()) {
    const file = join(root, 'prisma/migrations', m, 'migration.sql')
    if (existsSync(file)) hash.update(readFileSync(file))
  }
  return `sitrep bench: incidents=${a.incidents} statements=${a.statements} actors=${a.actors} seed=${a.seed} inputs=${hash.digest('hex').slice(0, 12)}`
}

function runChild (args: string[], env: Record<string, string> = {}) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))))
  })
}

async function ensureDataset (serverUrl: string) {
  const label = datasetLabel()
  const [current] = await sql<{ label: string | null }>(serverUrl,
    'SELECT shobj_description(oid, \'pg_database\') AS label FROM pg_database WHERE datname = $1', [BASE])
  if (current?.label === label) { log(`dataset: reusing ${BASE} (${label})`); return }
  log(`dataset: generating ${BASE} (${label})`)
  await sql(serverUrl, `DROP DATABASE IF EXISTS ${BASE} WITH (FORCE)`)
  await sql(serverUrl, `CREATE DATABASE ${BASE}`)
  const t0 = performance.now()
  await runChild(['bench/generate.ts', '--database-url', withDatabase(serverUrl, BASE), '--incidents', a.incidents!,
    '--statements', a.statements!, '--actors', a.actors!, '--seed', a.seed!])
  log(`dataset: generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  await sql(serverUrl, `COMMENT ON DATABASE ${BASE} IS '${label}'`)
}

interface Server { name: string, child: ChildProcess, port: number, startupMs: number, idleRss: number, stop: () => Promise<void> }

async function waitReady (port: number, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready`)
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`)
      if (res.ok) return
    } catch {}
    await sleep(25)
  }
  throw new Error(`server on ${port} not ready in ${timeoutMs} ms`)
}

async function startServer (name: string, args: string[], env: Record<string, string>): Promise<Server> {
  const port = await getPort({ host: '127.0.0.1' })
  const t0 = performance.now()
  // An empty value unsets the variable (e.g. DATABASE_URL for the embedded database).
  const merged = Object.fromEntries(Object.entries({ ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env }).filter(([, v]) => v !== ''))
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: merged,
    stdio: ['ignore', 'ignore', 'inherit']
  })
  await waitReady(port, child, 120_000)
  const startupMs = performance.now() - t0
  await sleep(1000)
  const idleRss = procMem(child.pid!, 'VmRSS')
  const stop = async () => {
    if (child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))])
  }
  return { name, child, port, startupMs, idleRss, stop }
}

/**
 * Waits until no query of the run database is still running: a workload whose requests timed out in
 * wrk leaves its queries running in PostgreSQL, which would otherwise load the next workload.
 */
async function databaseIdle (url: string) {
  const name = new URL(url).pathname.slice(1)
  for (let i = 0; i < 600; i++) {
    const [{ n }] = await sql<{ n: number }>(url,
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()", [name])
    if (n === 0) return
    await sleep(100)
  }
}

interface Workload { id: string, what: string, paths: string[] }

async function workloads (url: string): Promise<Workload[]> {
  const from90 = new Date(END - 90 * 86_400_000).toISOString().slice(0, 10)
  const [actor] = await sql<{ id: string }>(url, 'SELECT actor_id AS id FROM incident_actors GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1')
  const [speaker] = await sql<{ id: string }>(url,
    "SELECT speaker_id AS id FROM statements WHERE kind = 'claim' AND deleted_at IS NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
  const ids = await sql<{ id: string }>(url, 'SELECT id FROM incidents WHERE deleted_at IS NULL ORDER BY md5(id::text) LIMIT 1000')
  return [
    { id: 'W1', what: 'list: type + country + 90 days, newest first, 50 rows', paths: [`/v1/incidents?type=airstrike&country=UA&from=${from90}&limit=50`] },
    { id: 'W2', what: 'list by actor (join), 50 rows', paths: [`/v1/incidents?actor=${actor.id}&limit=50`] },
    { id: 'W3', what: 'one incident by id (1,000 ids in turn)', paths: ids.map((r) => `/v1/incidents/${r.id}`) },
    { id: 'W4', what: 'count by type, one country, one year', paths: ['/v1/stats/incidents?groupBy=type&country=UA&from=2025-01-01&to=2026-01-01'] },
    { id: 'W5', what: 'full-text q, 50 rows', paths: ['/v1/incidents?q=shelling%20kharkiv&limit=50'] },
    { id: 'W6', what: 'bbox, 50 rows', paths: ['/v1/incidents?bbox=37.3,47.7,38.3,48.3&limit=50'] },
    { id: 'W7', what: 'statements by speaker + kind, 50 rows', paths: [`/v1/statements?speaker=${speaker.id}&kind=claim&limit=50`] },
    { id: 'W8', what: 'timeline page, 50 entries', paths: ['/v1/timeline?limit=50'] },
    { id: 'W9', what: 'stats month × type over everything', paths: ['/v1/stats/incidents?groupBy=month,type'] },
    { id: 'W12', what: '100 incidents with include=actors,casualties,sources', paths: ['/v1/incidents?limit=100&include=actors,casualties,sources'] }
  ]
}

interface ExportResult { rows: number, seconds: number, rowsPerS: number, peakRss: number, growth: number, status: number }

async function exportRun (server: Server, path: string): Promise<ExportResult> {
  const pid = server.child.pid!
  const before = procMem(pid, 'VmRSS')
  resetPeak(pid)
  const r = await streamCount(`http://127.0.0.1:${server.port}${path}`)
  const peak = procMem(pid, 'VmHWM')
  return { rows: r.rows, seconds: r.seconds, rowsPerS: r.rows / r.seconds, peakRss: peak, growth: peak - before, status: r.status }
}

async function adminKey (url: string) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', 'create', '--name', 'bench', '--scopes', 'admin', '--json'],
      { cwd: root, env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => { out += d })
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!).secret) : reject(new Error(`keys create exited ${code}`))))
  })
}

async function importRun (server: Server, key: string, lines: number) {
  const { text } = importFile(lines, Number(a.seed))
  const t0 = performance.now()
  const res = await fetch(`http://127.0.0.1:${server.port}/v1/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body: text
  })
  const body = await res.text()
  const seconds = (performance.now() - t0) / 1000
  if (!res.ok) throw new Error(`import answered ${res.status}: ${body.slice(0, 2000)}`)
  const created = Object.values((JSON.parse(body) as { created: Record<string, number> }).created).reduce((x, y) => x + y, 0)
  return { records: created, seconds, recordsPerS: created / seconds, bytes: text.length }
}

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1))

async function main () {
  await ensureWrk()
  const dataDir = a['data-dir']!
  let serverUrl = a['database-url']
  let stopPg: (() => Promise<void>) | undefined
  if (!serverUrl) {
    await mkdir(dataDir, { recursive: true })
    const pgServer = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), database: 'postgres' })
    serverUrl = pgServer.url
    stopPg = pgServer.stop
  }
  try {
    let url = withDatabase(serverUrl, a['use-database'] ?? RUN)
    if (!a['use-database']) {
      await ensureDataset(serverUrl)
      await sql(serverUrl, `DROP DATABASE IF EXISTS ${RUN} WITH (FORCE)`)
      const t0 = performance.now()
      await sql(serverUrl, `CREATE DATABASE ${RUN} TEMPLATE ${BASE} STRATEGY FILE_COPY`)
      url = withDatabase(serverUrl, RUN)
      log(`copied ${BASE} to ${RUN} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    }
    const [version] = await sql<{ v: string }>(url, 'SELECT current_setting(\'server_version\') AS v')
    const [counts] = await sql<{ incidents: number, statements: number, actors: number }>(url,
      'SELECT (SELECT count(*) FROM incidents)::int AS incidents, (SELECT count(*) FROM statements)::int AS statements, (SELECT count(*) FROM actors)::int AS actors')
    const list = (await workloads(url)).filter((w) => !a.only || a.only.split(',').includes(w.id))
    const wanted = (id: string) => !a.only || a.only.split(',').includes(id)
    const from = new Date(END - 365 * 86_400_000).toISOString().slice(0, 10)
    const exportPath = `/v1/incidents?format=ndjson&from=${from}`
    const opts = { connections: Number(a.connections), duration: Number(a.duration), warmup: Number(a.warmup) }

    const results: Record<string, Record<string, WrkResult>> = { raw: {}, sitrep: {} }
    const exports: Record<string, ExportResult> = {}
    const servers: Record<string, { startupMs: number, idleRss: number }> = {}
    let imported: Awaited<ReturnType<typeof importRun>> | undefined

    const candidates: Array<{ name: string, args: string[], env: Record<string, string> }> = [
      { name: 'raw', args: ['bench/raw-server.ts'], env: { DATABASE_URL: url } },
      {
        name: 'sitrep',
        args: ['src/server.ts'],
        // The rate limiter stays on (every request counts against it) with a budget wrk cannot spend.
        env: { DATABASE_URL: url, DEMO_DATA: 'false', RATE_LIMIT_PER_MINUTE: '1000000000', LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' }
      }
    ]
    for (const c of candidates) {
      const server = await startServer(c.name, c.args, c.env)
      servers[c.name] = { startupMs: server.startupMs, idleRss: server.idleRss }
      log(`\n${c.name}: ready in ${server.startupMs.toFixed(0)} ms, idle RSS ${(server.idleRss / MiB).toFixed(0)} MiB`)
      try {
        for (const w of list) {
          await databaseIdle(url)
          const r = await wrk(`http://127.0.0.1:${server.port}`, w.paths, opts)
          results[c.name][w.id] = r
          log(`  ${w.id.padEnd(4)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${fmtMs(r.p50)} ms  p99 ${fmtMs(r.p99)} ms  errors ${r.errors}`)
        }
        if (wanted('W10')) {
          await databaseIdle(url)
          exports[c.name] = await exportRun(server, exportPath)
          const e = exports[c.name]
          log(`  W10  ${e.rows} rows in ${e.seconds.toFixed(1)} s: ${e.rowsPerS.toFixed(0)} rows/s, peak RSS ${(e.peakRss / MiB).toFixed(0)} MiB (+${(e.growth / MiB).toFixed(0)})`)
        }
        if (c.name === 'sitrep' && wanted('W11')) {
          imported = await importRun(server, await adminKey(url), Number(a['import-lines']))
          log(`  W11  ${imported.records} records in ${imported.seconds.toFixed(1)} s: ${imported.recordsPerS.toFixed(0)} records/s`)
        }
      } finally {
        await server.stop()
      }
    }

    const startup = await embeddedStartup(dataDir)
    log(`\nsitrep on an existing embedded database: ready in ${startup.ms.toFixed(0)} ms, idle RSS ${(startup.rss / MiB).toFixed(0)} MiB`)

    const table = report({ list, results, exports, imported, servers, startup, counts, version: version.v, opts })
    log(`\n${table}`)
    if (!a.only) await writeFile(a.out!, table)
  } finally {
    await stopPg?.()
  }
}

/** Time from spawn to /readyz for `npm start` on an embedded data directory that already exists. */
async function embeddedStartup (dataDir: string) {
  const dir = join(dataDir, 'startup')
  const env = { SITREP_DATA_DIR: dir, DATABASE_URL: '' }
  // The first start creates the cluster and loads the demo data; the second is the one measured.
  if (!existsSync(join(dir, 'PG_VERSION'))) await (await startServer('sitrep-first', ['src/server.ts'], env)).stop()
  const server = await startServer('sitrep-embedded', ['src/server.ts'], env)
  await server.stop()
  return { ms: server.startupMs, rss: server.idleRss }
}

interface Report {
  list: Workload[]
  results: Record<string, Record<string, WrkResult>>
  exports: Record<string, ExportResult>
  imported?: { records: number, seconds: number, recordsPerS: number }
  servers: Record<string, { startupMs: number, idleRss: number }>
  startup: { ms: number, rss: number }
  counts: { incidents: number, statements: number, actors: number }
  version: string
  opts: { connections: number, duration: number, warmup: number }
}

function commit () {
  try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim() } catch { return 'unknown' }
}

function report (r: Report) {
  const out: string[] = []
  out.push(`# Benchmark results\n\n\`npm run bench\` at commit ${commit()}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.\n`)
  out.push(`${r.counts.incidents.toLocaleString('en-US')} incidents, ${r.counts.statements.toLocaleString('en-US')} statements, ` +
    `${r.counts.actors.toLocaleString('en-US')} actors; PostgreSQL ${r.version}; wrk, ${r.opts.connections} connections, ` +
    `${r.opts.warmup} s warm-up, ${r.opts.duration} s measured; node ${process.version}; ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), ` +
    `${(totalmem() / 1024 ** 3).toFixed(0)} GiB; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
  out.push('')
  out.push('| workload | raw req/s | raw p50 | raw p99 | sitrep req/s | sitrep p50 | sitrep p99 | errors (raw/sitrep) | sitrep ÷ raw | target |')
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |')
  const mark = (ok: boolean) => (ok ? 'met' : '**missed**')
  for (const w of r.list) {
    const raw = r.results.raw[w.id]
    const s = r.results.sitrep[w.id]
    if (!raw || !s) continue
    const ratio = s.rps / raw.rps
    const target = ['W4', 'W9'].includes(w.id)
      ? `p50 ≤ 300 ms: ${mark(s.p50 <= 300)}`
      : w.id === 'W12'
        ? (r.results.sitrep.W1 ? `p50 ≤ 1.5 × W1's: ${mark(s.p50 <= 1.5 * r.results.sitrep.W1.p50)}` : '')
        : `≥ 0.9× and p99 ≤ 50 ms: ${mark(ratio >= 0.9 && s.p99 <= 50)}`
    out.push(`| ${w.id} ${w.what} | ${raw.rps.toFixed(0)} | ${fmtMs(raw.p50)} ms | ${fmtMs(raw.p99)} ms | ${s.rps.toFixed(0)} | ${fmtMs(s.p50)} ms | ` +
      `${fmtMs(s.p99)} ms | ${raw.errors}/${s.errors} | ${ratio.toFixed(2)}× | ${target} |`)
  }
  for (const [name, e] of Object.entries(r.exports)) {
    out.push(`| W10 NDJSON export, last 365 days (${name}) | ${e.rows.toLocaleString('en-US')} rows in ${e.seconds.toFixed(1)} s | ` +
      `**${e.rowsPerS.toFixed(0)} rows/s** | peak RSS ${(e.peakRss / MiB).toFixed(0)} MiB | growth ${(e.growth / MiB).toFixed(0)} MiB | | | status ${e.status} | | ` +
      `${name === 'sitrep' ? `≥ 100k rows/s, growth ≤ 100 MB: ${mark(e.rowsPerS >= 100_000 && e.growth <= 100 * MiB)}` : ''} |`)
  }
  if (r.imported) {
    out.push(`| W11 import over HTTP (sitrep) | ${r.imported.records.toLocaleString('en-US')} records in ${r.imported.seconds.toFixed(1)} s | ` +
      `**${r.imported.recordsPerS.toFixed(0)} records/s** | | | | | | | ≥ 10k records/s: ${mark(r.imported.recordsPerS >= 10_000)} |`)
  }
  const w1 = r.results.sitrep.W1
  const w12 = r.results.sitrep.W12
  if (w1 && w12) out.push(`\nW12 p50 ÷ W1 p50 (sitrep): ${(w12.p50 / w1.p50).toFixed(2)}×`)
  out.push('')
  for (const [name, s] of Object.entries(r.servers)) {
    out.push(`- ${name}: ready ${s.startupMs.toFixed(0)} ms after spawn (external database), idle RSS ${(s.idleRss / MiB).toFixed(0)} MiB`)
  }
  out.push(`- sitrep on an existing embedded database (\`npm start\`): ready ${r.startup.ms.toFixed(0)} ms after spawn, idle RSS ${(r.startup.rss / MiB).toFixed(0)} MiB (node process)`)
  return out.join('\n')
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
