// `npm run bench`: sitrep against a hand-written Fastify + pg server running the same SQL
// (bench/raw-server.ts) and a fixed-JSON Fastify route with no database (bench/ceiling-server.ts, the
// HTTP ceiling), on the same generated database, under the same load generator (wrk). The three start
// once and stay up; each workload runs in rounds, raw → sitrep → ceiling in every round, so drift on a
// shared machine lands in every server alike and shows as the spread of the per-round ratios.
// Cold workloads run on a sitrep with its response cache off (every request a miss); the hot ones
// (W1-hot, W1-304: bench/workloads.ts) on a second sitrep with it on.
//
//   npm run bench -- [--incidents 200000] [--statements 3×incidents] [--actors 5000 (10000 from 1M)]
//                    [--seed 42] [--rounds 3] [--connections 32] [--duration 5] [--warmup 2] [--jit-warmup 30]
//                    [--only W1,W3] [--database-url postgresql://…] [--data-dir .bench] [--out bench/RESULTS.md]
//                    [--replica]
//
// --replica (embedded only) adds a fourth server to every round: sitrep with DATABASE_READ_URLS set to a
// streaming standby of the bench cluster, made from the embedded binaries (src/db/standby.ts: the
// cluster is stopped cleanly, its data directory copied to <data-dir>/standby, both started). The
// standby runs on the same machine, so the row shows the cost of routing reads to a replica, not the
// capacity a replica on its own machine adds.
//
// Without --database-url the data lives in a persistent embedded PostgreSQL under --data-dir, so
// the minutes of generation are paid once: the generated database (sitrep_bench_base) carries a
// comment naming its size, seed and the hash of the generator and migrations, and is rebuilt only
// when one of those changes. Each run works on a fresh copy (CREATE DATABASE … TEMPLATE), so the
// W11 import never leaks into the next run.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs, isDeepStrictEqual } from 'node:util'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import getPort from 'get-port'
import pg from 'pg'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { prepareStandby, startStandby, type Standby } from '../src/db/standby.ts'
import { END } from './generate.ts'
import { importFile, procMem, resetPeak, streamCount } from './throughput.ts'
import { cpuSample, cpuSince } from './cpu.ts'
import { ensureWrk, wrk, type WrkResult } from './wrk.ts'
import { sameDataWorkloads, workloadList, type Workload } from './workloads.ts'
import { ALL_SERVERS, cpuOf, fmtMs, median, ratios, report, spread, type ExportResult, type ServerName } from './report.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const { values: a } = parseArgs({
  options: {
    incidents: { type: 'string', default: '200000' },
    statements: { type: 'string' },
    actors: { type: 'string' },
    seed: { type: 'string', default: '42' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    'jit-warmup': { type: 'string', default: '30' },
    only: { type: 'string' },
    'database-url': { type: 'string' },
    /** measure an existing database as it is: no generation, no copy (W11 writes into it) */
    'use-database': { type: 'string' },
    'data-dir': { type: 'string', default: join(root, '.bench') },
    'import-lines': { type: 'string', default: '50000' },
    /** also measure sitrep reading from a streaming standby (embedded only) */
    replica: { type: 'boolean', default: false },
    /** a checkout of an earlier commit (with its node_modules): its sitrep joins every round as "baseline" */
    baseline: { type: 'string' },
    /** where the tables go; by default bench/RESULTS.md, and nowhere with --only unless given */
    out: { type: 'string' },
    /** W10 exports the incidents of the last N days; 0: all of them */
    'export-days': { type: 'string', default: '365' },
    /** W10's exporters, in the order each round runs them (baseline only with --baseline) */
    'export-servers': { type: 'string', default: 'raw,sitrep,baseline,sitrep-js' }
  }
})
// The generator's proportions: three statements per incident; 5,000 actors at 200k (40 incidents
// each), 10,000 from 1M, as in the earlier 1M runs.
const size = {
  incidents: Number(a.incidents),
  statements: Number(a.statements ?? 3 * Number(a.incidents)),
  actors: Number(a.actors ?? (Number(a.incidents) >= 1_000_000 ? 10_000 : 5_000))
}
const rounds = Number(a.rounds)

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
  return `sitrep bench: incidents=${size.incidents} statements=${size.statements} actors=${size.actors} seed=${a.seed} inputs=${hash.digest('hex').slice(0, 12)}`
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
  await runChild(['bench/generate.ts', '--database-url', withDatabase(serverUrl, BASE), '--incidents', String(size.incidents),
    '--statements', String(size.statements), '--actors', String(size.actors), '--seed', a.seed!])
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

async function startServer (name: string, args: string[], env: Record<string, string>, cwd = root): Promise<Server> {
  const port = await getPort({ host: '127.0.0.1' })
  const t0 = performance.now()
  // An empty value unsets the variable (e.g. DATABASE_URL for the embedded database).
  // PGAPPNAME names the server's PostgreSQL connections, so its backends' CPU can be read (bench/cpu.ts).
  const merged = Object.fromEntries(Object.entries({ ...process.env, PORT: String(port), HOST: '127.0.0.1', PGAPPNAME: `bench-${name}`, ...env }).filter(([, v]) => v !== ''))
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd,
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

async function workloads (url: string): Promise<Workload[]> {
  const from90 = new Date(END - 90 * 86_400_000).toISOString().slice(0, 10)
  const [actor] = await sql<{ id: string }>(url, 'SELECT actor_id AS id FROM incident_actors GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1')
  const [speaker] = await sql<{ id: string }>(url,
    "SELECT speaker_id AS id FROM statements WHERE kind = 'claim' AND deleted_at IS NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
  const ids = await sql<{ id: string }>(url, 'SELECT id FROM incidents WHERE deleted_at IS NULL ORDER BY md5(id::text) LIMIT 1000')
  return workloadList({ from90, actor: actor.id, speaker: speaker.id, ids: ids.map((r) => r.id) })
}

// Lines that are not rows: CSV's header, GeoJSON's first and last line of the FeatureCollection.
const framingLines = { ndjson: 0, csv: 1, geojson: 2 } as const

async function exportRun (server: Server, path: string, format: keyof typeof framingLines): Promise<ExportResult> {
  const pid = server.child.pid!
  const before = procMem(pid, 'VmRSS')
  resetPeak(pid)
  const r = await streamCount(`http://127.0.0.1:${server.port}${path}`)
  if (r.status !== 200) throw new Error(`${server.name} answered ${r.status} to ${path}`)
  const peak = procMem(pid, 'VmHWM')
  const rows = r.rows - framingLines[format]
  return { rows, seconds: r.seconds, rowsPerS: rows / r.seconds, peakRss: peak, growth: peak - before, status: r.status }
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

async function get (server: Server, path: string) {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`)
  const text = await res.text()
  if (res.status !== 200) throw new Error(`${server.name} answered ${res.status} to ${path}: ${text.slice(0, 500)}`)
  return text
}

/** A list's rows, or the record itself: what both servers must agree on (cursors differ by design). */
const dataOf = (text: string) => { const body = JSON.parse(text); return body.data ?? body }

function commit () {
  try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim() } catch { return 'unknown' }
}

async function main () {
  await ensureWrk()
  const dataDir = a['data-dir']!
  let serverUrl = a['database-url']
  let stopPg: (() => Promise<void>) | undefined
  let standby: Standby | undefined
  if (a.replica && serverUrl) throw new Error('--replica makes a standby of the embedded cluster: leave out --database-url')
  if (!serverUrl) {
    await mkdir(dataDir, { recursive: true })
    const pgServer = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), database: 'postgres' })
    serverUrl = pgServer.url
    stopPg = pgServer.stop
  }
  const running: Server[] = []
  const bodiesDir = await mkdtemp(join(tmpdir(), 'sitrep-ceiling-'))
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
    if (a.replica) {
      const t0 = performance.now()
      const port = Number(new URL(serverUrl).port)
      const standbyDir = join(dataDir, 'standby')
      await stopPg!()
      await rm(standbyDir, { recursive: true, force: true })
      await prepareStandby(join(dataDir, 'pg'), standbyDir, port)
      const pgServer = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), database: 'postgres', port })
      stopPg = pgServer.stop
      standby = await startStandby(standbyDir, await getPort({ host: '127.0.0.1' }), new URL(url).pathname.slice(1))
      log(`replica: a streaming standby of the bench cluster in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    }
    const [version] = await sql<{ v: string }>(url, 'SELECT current_setting(\'server_version\') AS v')
    const [counts] = await sql<{ incidents: number, statements: number, actors: number }>(url,
      'SELECT (SELECT count(*) FROM incidents)::int AS incidents, (SELECT count(*) FROM statements)::int AS statements, (SELECT count(*) FROM actors)::int AS actors')
    const wanted = (id: string) => !a.only || a.only.split(',').includes(id)
    const list = (await workloads(url)).filter((w) => wanted(w.id))
    const from = new Date(END - Number(a['export-days']) * 86_400_000).toISOString().slice(0, 10)
    const days = Number(a['export-days'])
    const exportPath = (format: string) => `/v1/incidents?format=${format}${days > 0 ? `&from=${from}` : ''}`
    const opts = { connections: Number(a.connections), duration: Number(a.duration), warmup: Number(a.warmup) }

    const names = ALL_SERVERS.filter((n) => (n === 'replica' ? standby !== undefined : n === 'baseline' ? a.baseline !== undefined : true))
    const wrkSeconds = list.length * rounds * names.length * (opts.warmup + opts.duration)
    log(`\n${list.length} workloads × ${rounds} rounds × ${names.length} servers × ${opts.warmup + opts.duration} s: ` +
      `about ${Math.ceil(wrkSeconds / 60)} min of wrk${wanted('W10') ? `, plus ${rounds} × 2 exports` : ''}${wanted('W11') ? ' and one import' : ''}`)

    const env = { DATABASE_URL: url }
    const sitrepEnv = {
      ...env,
      DEMO_DATA: 'false',
      // The rate limiter stays on (every request counts against it) with a budget wrk cannot spend.
      RATE_LIMIT_PER_MINUTE: '1000000000',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info'
    }
    const start = async (name: string, args: string[], e: Record<string, string>, cwd?: string) => {
      const server = await startServer(name, args, e, cwd)
      running.push(server)
      log(`${name}: ready in ${server.startupMs.toFixed(0)} ms, idle RSS ${(server.idleRss / MiB).toFixed(0)} MiB`)
      return server
    }
    const raw = await start('raw', ['bench/raw-server.ts'], env)
    // Cold workloads measure a miss: the response cache off (ETags, the position read and 304s stay).
    // Hot ones get a sitrep of their own with the cache on, as deployed.
    const sitrep = await start('sitrep', ['src/server.ts'], { ...sitrepEnv, RESPONSE_CACHE_BYTES: '0' })
    const sitrepHot = list.some((w) => w.cache) ? await start('sitrep-hot', ['src/server.ts'], sitrepEnv) : sitrep
    // The earlier commit's sitrep on the same (already migrated) database, measured in the same rounds.
    const baseline = a.baseline ? await start('baseline', ['src/server.ts'], { ...sitrepEnv, RESPONSE_CACHE_BYTES: '0', MIGRATE_ON_START: 'false' }, a.baseline) : undefined
    const replica = standby ? await start('replica', ['src/server.ts'], { ...sitrepEnv, RESPONSE_CACHE_BYTES: '0', DATABASE_READ_URLS: standby.url }) : undefined

    // The ceiling serves sitrep's own answer to each workload's first URL, byte for byte.
    const bodies: Record<string, string> = {}
    const differs: string[] = []
    for (const w of list) {
      bodies[w.id] = await get(w.cache ? sitrepHot : sitrep, w.paths[0])
      if (sameDataWorkloads.includes(w.id) && !isDeepStrictEqual(dataOf(await get(raw, w.paths[0])), dataOf(bodies[w.id]))) differs.push(w.id)
      if (replica && !isDeepStrictEqual(dataOf(await get(replica, w.paths[0])), dataOf(bodies[w.id]))) log(`WARNING: sitrep on the replica answered ${w.id} differently`)
    }
    if (differs.length) log(`WARNING: the raw server's data differs from sitrep's for ${differs.join(', ')}`)
    const bodiesFile = join(bodiesDir, 'bodies.json')
    await writeFile(bodiesFile, JSON.stringify(bodies))
    const ceiling = await start('ceiling', ['bench/ceiling-server.ts'], { CEILING_BODIES: bodiesFile })
    const serversFor = (w: Workload): Partial<Record<ServerName, Server>> => ({ raw, sitrep: w.cache ? sitrepHot : sitrep, ceiling, replica, baseline })

    // V8 compiles a server's hot paths over its first tens of seconds of load: sitrep, with more code on
    // each request, took ~30 s to settle (Node CPU per request 2.7 → 1.6 ms over six W1 rounds) where raw
    // settled in one. Each server gets the same warm-up on every workload's URLs before any round.
    const jitSeconds = Number(a['jit-warmup'])
    if (jitSeconds > 0) {
      const warm = [...new Set([...names.map((n) => serversFor({ cache: undefined } as Workload)[n]), sitrepHot])].filter((s): s is Server => s !== undefined)
      log(`\nwarming every server for ${jitSeconds} s on the workloads' URLs`)
      for (const server of warm) {
        const served = list.filter((w) => w.paths.length > 0)
        const paths = server === ceiling ? served.map((w) => `/${w.id}${w.paths[0]}`) : served.flatMap((w) => w.paths.slice(0, 20))
        if (paths.length === 0) continue
        await wrk(`http://127.0.0.1:${server.port}`, paths, { ...opts, warmup: 0, duration: jitSeconds })
      }
    }

    const results = Object.fromEntries(ALL_SERVERS.map((n) => [n, {}])) as Record<ServerName, Record<string, WrkResult[]>>
    for (const w of list) {
      log(`\n${w.id} ${w.what}`)
      const servers = serversFor(w)
      // The tag sitrep gives the answer now; raw and the ceiling ignore it and answer 200.
      const headers: Record<string, string> = w.cache === 'revalidate'
        ? { 'if-none-match': (await fetch(`http://127.0.0.1:${servers.sitrep!.port}${w.paths[0]}`).then(async (r) => { await r.text(); return r.headers.get('etag') }))! }
        : {}
      if (w.cache === 'revalidate') {
        const check = await fetch(`http://127.0.0.1:${servers.sitrep!.port}${w.paths[0]}`, { headers })
        await check.text()
        if (check.status !== 304) log(`  WARNING: sitrep answered ${check.status}, not 304, to If-None-Match ${headers['if-none-match']}`)
      }
      for (let round = 1; round <= rounds; round++) {
        for (const name of names) {
          await databaseIdle(url)
          const paths = name === 'ceiling' ? w.paths.map((p) => `/${w.id}${p}`) : w.paths
          const server = servers[name]!
          let cpu: { node: number, pg: number } | undefined
          const around = async () => {
            const before = await cpuSample(url, `bench-${server.name}`, server.child.pid!)
            return async () => { cpu = await cpuSince(url, `bench-${server.name}`, server.child.pid!, before) }
          }
          const r = await wrk(`http://127.0.0.1:${server.port}`, paths, { ...opts, headers, around })
          if (cpu && r.requests > 0) r.cpu = { node: cpu.node / r.requests, pg: cpu.pg / r.requests }
          ;(results[name][w.id] ??= []).push(r)
          log(`  round ${round} ${name.padEnd(7)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${fmtMs(r.p50)} ms  p99 ${fmtMs(r.p99)} ms  errors ${r.errors}` +
            (r.cpu ? `  CPU/request: Node ${r.cpu.node.toFixed(2)} ms, PostgreSQL ${r.cpu.pg.toFixed(2)} ms` : ''))
        }
      }
      const rps = (n: ServerName) => results[n][w.id].map((x) => x.rps)
      log(`  sitrep ÷ raw ${spread(ratios(rps('sitrep'), rps('raw')))}, p99 ${spread(ratios(results.sitrep[w.id].map((x) => x.p99), results.raw[w.id].map((x) => x.p99)))}; ` +
        `sitrep ÷ ceiling ${spread(ratios(rps('sitrep'), rps('ceiling')))}` +
        (replica ? `; on the replica ÷ on the primary ${spread(ratios(rps('replica'), rps('sitrep')))}` : '') +
        (baseline
          ? `; sitrep ÷ baseline ${spread(ratios(rps('sitrep'), rps('baseline')))}, p99 ${spread(ratios(results.sitrep[w.id].map((x) => x.p99), results.baseline[w.id].map((x) => x.p99)))}` +
          `, CPU per request ${spread(ratios(cpuOf(results.sitrep[w.id]), cpuOf(results.baseline[w.id])))}`
          : ''))
    }

    const exports: Record<string, ExportResult[]> = {}
    if (wanted('W10')) {
      // sitrep exports with COPY (PostgreSQL writes the text); sitrep-js is the same server with
      // EXPORT_ENGINE=js, the path it replaced; raw streams NDJSON from views in JS; baseline is the
      // --baseline commit's sitrep (its COPY), alternated with this one's export by export.
      const chosen = a['export-servers']!.split(',').filter((n) => n !== 'baseline' || baseline)
      const sitrepJs = chosen.includes('sitrep-js') ? await start('sitrep-js', ['src/server.ts'], { ...sitrepEnv, EXPORT_ENGINE: 'js' }) : undefined
      const exporters: Record<string, Server | undefined> = { raw, sitrep, baseline, 'sitrep-js': sitrepJs }
      log(`\nW10 ${exportPath('ndjson|csv|geojson')}`)
      for (let round = 1; round <= rounds; round++) {
        for (const format of ['ndjson', 'csv', 'geojson'] as const) {
          for (const name of chosen) {
            if (name === 'raw' && format !== 'ndjson') continue
            if (!exporters[name]) throw new Error(`--export-servers: no server ${name}`)
            await databaseIdle(url)
            const e = await exportRun(exporters[name]!, exportPath(format), format)
            ;(exports[`${format} (${name})`] ??= []).push(e)
            log(`  round ${round} ${format.padEnd(7)} ${name.padEnd(9)} ${e.rows} rows in ${e.seconds.toFixed(1)} s: ${e.rowsPerS.toFixed(0)} rows/s, ` +
              `peak RSS ${(e.peakRss / MiB).toFixed(0)} MiB (+${(e.growth / MiB).toFixed(0)}), load average ${loadavg()[0].toFixed(1)}`)
          }
        }
      }
      const rates = (key: string) => exports[key]?.map((e) => e.rowsPerS) ?? []
      for (const format of ['ndjson', 'csv', 'geojson']) {
        for (const other of ['sitrep-js', 'baseline'].filter((n) => chosen.includes(n))) {
          log(`  ${format}: sitrep ÷ ${other} ${spread(ratios(rates(`${format} (sitrep)`), rates(`${format} (${other})`)))}; medians ` +
            `${median(rates(`${format} (sitrep)`)).toFixed(0)} ÷ ${median(rates(`${format} (${other})`)).toFixed(0)} rows/s`)
        }
      }
    }
    let imported: Awaited<ReturnType<typeof importRun>> | undefined
    if (wanted('W11')) {
      imported = await importRun(sitrep, await adminKey(url), Number(a['import-lines']))
      log(`\nW11  ${imported.records} records in ${imported.seconds.toFixed(1)} s: ${imported.recordsPerS.toFixed(0)} records/s`)
    }
    // Where the replica server's reads went (its /metrics): proof the row measured reads on the standby.
    const replicaReads = replica
      ? (await get(replica, '/metrics')).split('\n').filter((l) => l.startsWith('db_reads_total')).map((l) => l.replace('db_reads_total', '')).join(', ')
      : undefined
    if (replicaReads !== undefined) log(`\nreplica server, GET requests by where they read: ${replicaReads}`)
    const started = Object.fromEntries(running.map((s) => [s.name, { startupMs: s.startupMs, idleRss: s.idleRss }]))
    while (running.length) await running.pop()!.stop()

    const startup = await embeddedStartup(dataDir)
    log(`\nsitrep on an existing embedded database: ready in ${startup.ms.toFixed(0)} ms, idle RSS ${(startup.rss / MiB).toFixed(0)} MiB`)

    const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '')
    const table = report({
      command,
      commit: commit(),
      list,
      results,
      exports,
      imported,
      servers: started,
      startup,
      counts,
      version: version.v,
      opts: { ...opts, rounds, jitWarmup: Number(a['jit-warmup']) },
      replicaReads,
      ceilingBytes: Object.fromEntries(Object.entries(bodies).map(([id, b]) => [id, Buffer.byteLength(b)])),
      differs
    })
    log(`\n${table}`)
    const out = a.out ?? (a.only ? undefined : join(root, 'bench', 'RESULTS.md'))
    if (out) await writeFile(out, `${table}\n`)
  } finally {
    for (const s of running) await s.stop()
    await rm(bodiesDir, { recursive: true, force: true })
    if (standby) {
      await standby.stop()
      await rm(standby.dataDir, { recursive: true, force: true })
    }
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

main().catch((err) => { console.error(err); process.exitCode = 1 })
