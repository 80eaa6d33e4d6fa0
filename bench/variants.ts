// Node CPU per request of several sitrep servers on the bench database, alternating: each variant is
// src/server.ts with extra environment (or from another checkout), all up at once, each workload run
// on one after the other with the order rotated every round, so drift on the shared machine lands on
// all of them alike. For telling apart what a change or a setting costs a request, where req/s on a
// busy 2-core machine cannot (bench/cpu.ts). Reuses the database `npm run bench` left behind.
//
//   npx tsx bench/variants.ts --only W1,W3 --rounds 4 \
//     --variant base --variant quiet:LOG_LEVEL=warn --variant before@/path/to/checkout
//
// A variant is `name[@checkout][:KEY=VALUE;KEY=VALUE]`. The first is the reference of the ratios.

import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import getPort from 'get-port'
import pg from 'pg'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { END } from './generate.ts'
import { cpuSample, cpuSince } from './cpu.ts'
import { wrk } from './wrk.ts'
import { workloadList, type Workload } from './workloads.ts'
import { median } from './report.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const { values: a } = parseArgs({
  options: {
    variant: { type: 'string', multiple: true, default: ['base'] },
    only: { type: 'string', default: 'W1,W3' },
    rounds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    'database-url': { type: 'string' },
    'data-dir': { type: 'string', default: join(root, '.bench') },
    database: { type: 'string', default: 'sitrep_bench_run' }
  }
})

interface Variant { name: string, cwd: string, env: Record<string, string> }
const variants: Variant[] = a.variant.map((v) => {
  const m = /^([\w-]+)(?:@([^:]+))?(?::(.*))?$/.exec(v)
  if (!m) throw new Error(`--variant ${v}: name[@checkout][:KEY=VALUE;…]`)
  const env = Object.fromEntries((m[3] ?? '').split(';').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
  return { name: m[1], cwd: m[2] ?? root, env }
})

async function one<T> (url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try { return (await c.query(text)).rows as T[] } finally { await c.end() }
}

async function start (v: Variant, url: string, cache = false): Promise<{ child: ChildProcess, port: number }> {
  const port = await getPort({ host: '127.0.0.1' })
  const env = {
    ...process.env,
    DATABASE_URL: url,
    PORT: String(port),
    HOST: '127.0.0.1',
    PGAPPNAME: `variant-${v.name}`,
    DEMO_DATA: 'false',
    MIGRATE_ON_START: 'false',
    RATE_LIMIT_PER_MINUTE: '1000000000',
    // Cold workloads measure the query path; W1-hot and W1-304 the response cache's.
    ...(cache ? {} : { RESPONSE_CACHE_BYTES: '0' }),
    ...v.env
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: v.cwd, env, stdio: ['ignore', 'ignore', 'inherit'] })
  for (let i = 0; i < 4800; i++) {
    if (child.exitCode !== null) throw new Error(`${v.name} exited ${child.exitCode}`)
    try { if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return { child, port } } catch {}
    await sleep(25)
  }
  throw new Error(`${v.name} not ready`)
}

async function main () {
  let serverUrl = a['database-url']
  let stopPg: (() => Promise<void>) | undefined
  if (!serverUrl) {
    const pgServer = await startEmbeddedPostgres({ dataDir: join(a['data-dir']!, 'pg'), database: 'postgres' })
    serverUrl = pgServer.url
    stopPg = pgServer.stop
  }
  const u = new URL(serverUrl)
  u.pathname = `/${a.database}`
  const url = u.toString()
  const servers: Array<{ child: ChildProcess, port: number }> = []
  const hotServers: typeof servers = []
  try {
    const [actor] = await one<{ id: string }>(url, 'SELECT actor_id AS id FROM incident_actors GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1')
    const [speaker] = await one<{ id: string }>(url, "SELECT speaker_id AS id FROM statements WHERE kind = 'claim' AND deleted_at IS NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
    const ids = await one<{ id: string }>(url, 'SELECT id FROM incidents WHERE deleted_at IS NULL ORDER BY md5(id::text) LIMIT 1000')
    const from90 = new Date(END - 90 * 86_400_000).toISOString().slice(0, 10)
    const list: Workload[] = workloadList({ from90, actor: actor.id, speaker: speaker.id, ids: ids.map((r) => r.id) })
      .filter((w) => a.only!.split(',').includes(w.id))
    const cold = list.some((w) => !w.cache)
    const hot = list.some((w) => w.cache)
    for (const v of variants) if (cold) servers.push(await start(v, url))
    for (const v of variants) if (hot) hotServers.push(await start(v, url, true))
    const opts = { connections: Number(a.connections), duration: Number(a.duration), warmup: Number(a.warmup) }
    for (const w of list) {
      const perVariant = variants.map(() => [] as Array<{ node: number, pg: number, rps: number }>)
      const serving = w.cache ? hotServers : servers
      for (let round = 0; round < Number(a.rounds); round++) {
        for (let k = 0; k < variants.length; k++) {
          const i = (k + round) % variants.length
          const s = serving[i]
          // W1-304: each server's own current tag for the page (a variant may name it differently).
          const headers: Record<string, string> = w.cache === 'revalidate'
            ? { 'if-none-match': (await fetch(`http://127.0.0.1:${s.port}${w.paths[0]}`).then(async (r) => { await r.text(); return r.headers.get('etag') }))! }
            : {}
          const app = `variant-${variants[i].name}`
          let cpu = { node: 0, pg: 0 }
          const around = async () => {
            const before = await cpuSample(url, app, s.child.pid!)
            return async () => { cpu = await cpuSince(url, app, s.child.pid!, before) }
          }
          const r = await wrk(`http://127.0.0.1:${s.port}`, w.paths, { ...opts, headers, around })
          if (r.errors > 0) console.log(`  ${variants[i].name}: ${r.errors} errors`)
          perVariant[i].push({ node: cpu.node / r.requests, pg: cpu.pg / r.requests, rps: r.rps })
        }
      }
      console.log(`\n${w.id} (${w.what}), ${a.rounds} rounds; Node ms per request by round, median; ÷ ${variants[0].name} per round, median (min–max)`)
      for (let i = 0; i < variants.length; i++) {
        const runs = perVariant[i]
        const ratios = runs.map((r, j) => r.node / perVariant[0][j].node)
        console.log(`  ${variants[i].name.padEnd(12)} node ${runs.map((r) => r.node.toFixed(3)).join(' · ')}  med ${median(runs.map((r) => r.node)).toFixed(3)}` +
          `  ratio ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})` +
          `  pg ${median(runs.map((r) => r.pg)).toFixed(3)}  req/s ${median(runs.map((r) => r.rps)).toFixed(0)}`)
      }
    }
  } finally {
    for (const s of [...servers, ...hotServers]) s.child.kill('SIGTERM')
    await sleep(1000)
    await stopPg?.()
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
