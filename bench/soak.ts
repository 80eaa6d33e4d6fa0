// Soak: the real server (`node --import tsx src/server.ts`, as `npm start` runs it) on a data set of
// 100k incidents, under 32 connections of mixed reads and writes for 60 s.
//
//   npm run soak [-- --incidents 100000 --statements 100000 --connections 32 --duration 60 --warmup 30]
//   SOAK_DATABASE_URL=postgresql://… npm run soak    (loads it with bench/generate.ts when it holds no incidents)
//
// Without SOAK_DATABASE_URL a throwaway embedded PostgreSQL is started (durable settings, as served)
// and removed afterwards. A warm-up with the same load comes first (JIT, pools, caches and V8's heap
// sizing settle; its answers count towards the 5xx target too). Prints requests, the status histogram,
// latency p50/p99, and the server's RSS idle, at the start and at the end of the measured run, with its
// live heap after a full GC at both points (bench/gc-probe.ts); exits 1 when a target is missed (any
// 5xx, RSS growth from start to end ≥ 50 MB).
// The load generator runs on the same machine as the server and PostgreSQL: figures are indicative.

import { execFile, spawn } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import getPort from 'get-port'
import pg from 'pg'
import { createTempDir, startEmbeddedPostgres } from '../src/db/embedded.ts'
import { migrate } from '../src/db/migrate.ts'
import { generate } from './generate.ts'
import { soakRequests, type Samples } from './soak-requests.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const rssGrowthTargetMb = 50

const { values: a } = parseArgs({
  options: {
    incidents: { type: 'string', default: '100000' },
    statements: { type: 'string', default: '100000' },
    actors: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '30' }
  }
})

/** VmRSS and VmHWM (peak) of a process, in MB. */
async function memory (pid: number) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

async function prepare (url: string) {
  await migrate(url)
  const db = new pg.Client({ connectionString: url })
  await db.connect()
  const { rows: [{ n }] } = await db.query('SELECT count(*)::int AS n FROM incidents')
  await db.end()
  if (n >= Number(a.incidents)) {
    console.log(`using the ${n} incidents already in the database`)
    return
  }
  console.log(`generating ${a.incidents} incidents, ${a.statements} statements, ${a.actors} actors …`)
  await generate(url, { incidents: Number(a.incidents), statements: Number(a.statements), actors: Number(a.actors), seed: 42 })
}

async function createAdminKey (url: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', 'create', '--name', `soak-${Date.now()}`, '--scopes', 'admin', '--json'],
    { cwd: root, env: { ...process.env, DATABASE_URL: url } })
  return (JSON.parse(stdout) as { secret: string }).secret
}

async function startServer (url: string) {
  const port = await getPort({ host: '127.0.0.1' })
  // The limiter stays on (its counters are part of every request's work), with a budget the load cannot spend.
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', './bench/gc-probe.ts', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), DEMO_DATA: 'false', MIGRATE_ON_START: 'false', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '10000000' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const logged = { errors: 0, warnings: 0 }
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    logged.errors += (text.match(/"level":(50|60)/g) ?? []).length
    logged.warnings += (text.match(/"level":40/g) ?? []).length
  })
  let probed: (heapMb: number) => void = () => {}
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    for (const l of text.split('\n').filter(Boolean)) {
      if (l.startsWith('gc-probe ')) probed(JSON.parse(l.slice(9)).heapUsedMb)
      else process.stderr.write(`${l}\n`)
    }
  })
  /** The server's live heap after a full garbage collection, in MB. */
  const liveHeap = () => new Promise<number>((resolve) => {
    probed = resolve
    child.kill('SIGWINCH')
  })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) return { child, base, logged, liveHeap }
    await sleep(100)
  }
  throw new Error('the server did not become ready')
}

async function sample (base: string): Promise<Samples> {
  const ids = async (path: string) => ((await (await fetch(`${base}${path}`)).json()) as { data: Array<{ id: string }> }).data.map((r) => r.id)
  return {
    incidents: [...await ids('/v1/incidents?limit=500'), ...await ids('/v1/incidents?limit=500&sort=occurredAt')],
    statements: await ids('/v1/statements?limit=500'),
    actors: await ids('/v1/actors?limit=500&sort=createdAt'),
    sources: await ids('/v1/sources?limit=500')
  }
}

async function soak (url: string) {
  await prepare(url)
  const key = await createAdminKey(url)
  const server = await startServer(url)
  const pid = server.child.pid!
  try {
    const requests = soakRequests(await sample(server.base), key)
    // Every request shape once first: a template the API refuses would only measure 4xx answers.
    for (const r of requests) {
      const req = r.setupRequest({ ...r }, {})
      const res = await fetch(`${server.base}${req.path}`, { method: req.method, headers: req.headers, body: req.body })
      if (res.status >= 300) throw new Error(`${req.method} ${req.path}: ${res.status} ${await res.text()}`)
    }

    const load = async (seconds: number) => {
      const problems = new Map<string, number>()
      const result = await autocannon({
        url: server.base,
        connections: Number(a.connections),
        duration: seconds,
        requests: requests.map((r) => ({
          ...r,
          onResponse: (status: number) => {
            if (status >= 400) problems.set(`${status} ${r.name}`, (problems.get(`${status} ${r.name}`) ?? 0) + 1)
          }
        }))
      })
      const statuses = Object.entries(result.statusCodeStats ?? {}).map(([s, v]) => [Number(s), v.count ?? 0] as const).sort()
      return { result, problems, statuses, fiveHundreds: statuses.filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0) }
    }
    const line = (label: string, value: string) => console.log(`${label.padEnd(16)} ${value}`)
    const histogram = (statuses: ReadonlyArray<readonly [number, number]>) => statuses.map(([s, c]) => `${s} × ${c}`).join(', ')

    const idle = await memory(pid)
    console.log(`warm-up: ${a.connections} connections for ${a.warmup} s …`)
    const warm = await load(Number(a.warmup))
    line('warm-up', `${warm.result.requests.total} requests: ${histogram(warm.statuses)}`)
    const start = await memory(pid)
    const heapStart = await server.liveHeap()
    console.log(`load: ${a.connections} connections for ${a.duration} s …`)
    const run = await load(Number(a.duration))
    const end = await memory(pid)
    const heapEnd = await server.liveHeap()

    const { result } = run
    const growth = end.rss - start.rss
    line('requests', `${result.requests.total} (${Math.round(result.requests.average)}/s), ${result.errors} connection errors, ${result.timeouts} timeouts`)
    line('statuses', histogram(run.statuses))
    for (const [what, n] of run.problems) line('  non-2xx', `${what} × ${n}`)
    line('latency', `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`)
    line('server RSS', `idle ${idle.rss.toFixed(0)} MB, start ${start.rss.toFixed(0)} MB, end ${end.rss.toFixed(0)} MB ` +
      `(growth ${growth.toFixed(0)} MB during the run; peak ${end.peak.toFixed(0)} MB)`)
    line('live heap', `after a full GC: start ${heapStart.toFixed(1)} MB, end ${heapEnd.toFixed(1)} MB`)
    line('server log', `${server.logged.errors} errors, ${server.logged.warnings} warnings`)
    const fiveHundreds = warm.fiveHundreds + run.fiveHundreds
    line('targets', `0 × 5xx: ${fiveHundreds === 0 ? 'met' : `missed (${fiveHundreds})`}; ` +
      `RSS growth < ${rssGrowthTargetMb} MB: ${growth < rssGrowthTargetMb ? 'met' : 'missed'}`)
    if (fiveHundreds > 0 || result.errors > 0 || growth >= rssGrowthTargetMb) process.exitCode = 1
  } finally {
    server.child.kill('SIGTERM')
    const [code] = await new Promise<[number | null]>((resolve) => server.child.once('exit', (c) => resolve([c])))
    console.log(`server exited ${code} on SIGTERM`)
  }
}

if (process.env.SOAK_DATABASE_URL) {
  await soak(process.env.SOAK_DATABASE_URL)
} else {
  const dir = await createTempDir('sitrep-soak-')
  try {
    const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg') })
    try {
      await soak(server.url)
    } finally {
      await server.stop()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
// The schema engine used by migrate leaves a timer behind.
process.exit()
