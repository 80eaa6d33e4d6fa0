// Throughput of the two bulk paths, end to end through the real processes:
//
//   W10 export: GET /v1/incidents?format=ndjson against `node --import tsx src/server.ts`, with
//               the server's RSS sampled every 100 ms (and its VmHWM as an exact peak), run --runs
//               times on the same server process.
//   W11 import: src/cli/import.ts on a generated NDJSON file into a fresh migrated database,
//               plus a profiled small import: CPU self time per function (--cpu-prof).
//
//   tsx bench/throughput.ts [--database-url URL] [--incidents 200000] [--statements 0] [--actors 10000]
//                           [--seed 42] [--runs 2] [--truncate] [--skip-export] [--skip-import]
//                           [--import-lines 50000] [--step-lines 5000,10000] [--profile-lines 2000]
//                           [--import-budget 900] [--import-timeout 1800] [--keep-files]
//
// --database-url: the export data set lives there (created if the database is missing; loaded by
// bench/generate.ts when it has no incidents, reused when it already has ≥ --incidents). Import
// databases are created next to it on the same server as sitrep_bench_import_* (copies of a
// migrated sitrep_bench_tpl_* template) and dropped afterwards. Without --database-url everything
// runs on a throwaway embedded PostgreSQL (fsync off, as bench/run.ts), which flatters the import.
//
// Every import runs with bench/count-queries.ts preloaded: SQL round trips per record, the time
// spent waiting on them, and a split into entity phases; the PostgreSQL backends' CPU is read
// from /proc when the server is local. The import is timed at the --step-lines sizes first; the
// full --import-lines run only happens when the straight line through those predicts it within
// --import-budget seconds, otherwise the figure is extrapolated (and says so).
//
// Wall-clock figures depend on what else the machine runs; the CPU figures much less so.

import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { get } from 'node:http'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import getPort from 'get-port'
import pg from 'pg'
import { createTempDir, startEmbeddedPostgres } from '../src/db/embedded.ts'
import { migrate } from '../src/db/migrate.ts'
import { generate } from './generate.ts'
import type { QueryStats } from './count-queries.ts'
import * as world from './world.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const MiB = 1024 * 1024

const main_ = import.meta.url === pathToFileURL(process.argv[1]).href
// Only as the main script: bench/bench.ts imports the helpers below with arguments of its own.
const { values: a } = parseArgs({
  args: main_ ? process.argv.slice(2) : [],
  options: {
    'database-url': { type: 'string' },
    incidents: { type: 'string', default: '200000' },
    statements: { type: 'string', default: '0' },
    actors: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '42' },
    runs: { type: 'string', default: '2' },
    truncate: { type: 'boolean', default: false },
    'skip-export': { type: 'boolean', default: false },
    'skip-import': { type: 'boolean', default: false },
    'import-lines': { type: 'string', default: '50000' },
    'step-lines': { type: 'string', default: '5000,10000' },
    'profile-lines': { type: 'string', default: '2000' },
    'import-budget': { type: 'string', default: '900' },
    'import-timeout': { type: 'string', default: '1800' },
    'keep-files': { type: 'boolean', default: false }
  }
})

const log = (m: string) => console.log(m)
const fmt = (x: number, d = 1) => x.toFixed(d)
const int = (x: number) => Math.round(x).toLocaleString('en-US')

// ---------------------------------------------------------------------------------------------
// Databases

/** The same server's maintenance database, for CREATE/DROP DATABASE. */
function adminUrl (url: string) {
  const u = new URL(url)
  u.pathname = '/postgres'
  return u.href
}

function withDatabase (url: string, name: string) {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.href
}

async function admin<T> (url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl(url) })
  await c.connect()
  try { return await fn(c) } finally { await c.end() }
}

async function ensureDatabase (url: string) {
  const name = decodeURIComponent(new URL(url).pathname.slice(1))
  await admin(url, async (c) => {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    if (rowCount === 0) await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`)
  })
}

async function dropDatabase (url: string, name: string) {
  await admin(url, (c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`))
}

async function scalar (url: string, sql: string): Promise<number> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try { return Number((await c.query(sql)).rows[0].n) } finally { await c.end() }
}

async function serverSettings (url: string) {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const { rows } = await c.query(`SELECT name, setting, unit FROM pg_settings
      WHERE name IN ('server_version', 'shared_buffers', 'fsync', 'synchronous_commit', 'work_mem')`)
    return rows.map((r) => `${r.name}=${r.setting}${r.unit ?? ''}`).join(' ')
  } finally { await c.end() }
}

// ---------------------------------------------------------------------------------------------
// Processes

/** Resident set size of a process in bytes (VmRSS), or its peak since the last reset (VmHWM). */
export function procMem (pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) * 1024 : NaN
}

/** CPU seconds a process has used (utime + stime; clock ticks of 1/100 s, as on Linux x86-64). */
function procCpu (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/**
 * CPU seconds used by the client backends of one database while it runs, read from /proc (so
 * only for a PostgreSQL on this machine; NaN otherwise). Backends are found through
 * pg_stat_activity every 500 ms; one that exits between samples loses at most its last 500 ms.
 */
class BackendCpu {
  private readonly first = new Map<number, number>()
  private readonly last = new Map<number, number>()
  private timer: NodeJS.Timeout | undefined
  private busy: Promise<void> = Promise.resolve()
  private readonly client: pg.Client
  private failed = false

  constructor (serverUrl: string, private readonly database: string) {
    this.client = new pg.Client({ connectionString: adminUrl(serverUrl) })
  }

  private async sample (initial: boolean) {
    const { rows } = await this.client.query(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", [this.database])
    for (const { pid } of rows as Array<{ pid: number }>) {
      let cpu: number
      try { cpu = procCpu(pid) } catch { this.failed = true; continue }
      if (!this.first.has(pid)) this.first.set(pid, initial ? cpu : 0)
      this.last.set(pid, cpu)
    }
  }

  async start () {
    await this.client.connect()
    await this.sample(true)
    this.timer = setInterval(() => { this.busy = this.busy.then(() => this.sample(false)).catch(() => {}) }, 500)
  }

  /** CPU seconds since start(), summed over the database's backends. */
  async stop (): Promise<number> {
    clearInterval(this.timer)
    await this.busy
    await this.sample(false).catch(() => {})
    await this.client.end()
    if (this.failed && this.last.size === 0) return NaN
    let sum = 0
    for (const [pid, cpu] of this.last) sum += cpu - (this.first.get(pid) ?? 0)
    return sum
  }
}

/** Writing 5 to clear_refs resets VmHWM to the current RSS (Linux ≥ 4.0; a process we own). */
export function resetPeak (pid: number): boolean {
  try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); return true } catch { return false }
}

interface Finished { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, seconds: number, timedOut: boolean }

/** Runs a child to completion with a hard time limit (SIGTERM, then SIGKILL). */
function run (args: string[], env: Record<string, string>, timeoutS: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGTERM')
      setTimeout(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') }, 5000).unref()
    }, timeoutS * 1000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - t0) / 1000, timedOut })
    })
  })
}

// ---------------------------------------------------------------------------------------------
// W10: export

interface StreamResult { status: number, rows: number, bytes: number, seconds: number }

/** Streams a URL to its end, counting bytes and newline-terminated lines without keeping them. */
export function streamCount (url: string): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    get(url, (res) => {
      let rows = 0
      let bytes = 0
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, rows, bytes, seconds: (performance.now() - t0) / 1000 }))
      res.on('error', reject)
    }).on('error', reject)
  })
}

async function exportBench (url: string) {
  const target = Number(a.incidents)
  log(`\n=== W10 export: GET /v1/incidents?format=ndjson, ${int(target)} incidents`)
  await ensureDatabase(url)
  const { applied } = await migrate(url)
  if (applied.length > 0) log(`applied migrations: ${applied.join(', ')}`)
  const have = await scalar(url, 'SELECT count(*) AS n FROM incidents')
  if (have >= target) {
    log(`reusing the ${int(have)} incidents already in the database`)
  } else {
    if (have > 0 && !a.truncate) throw new Error(`the database holds ${have} incidents (< ${target}); pass --truncate to regenerate`)
    await generate(url, {
      incidents: target, statements: Number(a.statements), actors: Number(a.actors), seed: Number(a.seed), truncate: have > 0
    }, (m) => log(`  ${m}`))
  }
  const live = await scalar(url, 'SELECT count(*) AS n FROM incidents WHERE deleted_at IS NULL')

  const port = await getPort({ host: '127.0.0.1' })
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), HOST: '127.0.0.1', DEMO_DATA: 'false', LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let serverOutput = ''
  server.stdout.on('data', (d) => { serverOutput += d })
  server.stderr.on('data', (d) => { serverOutput += d })
  const exited = new Promise<void>((resolve) => server.on('exit', () => resolve()))
  const pid = server.pid!
  try {
    const t0 = performance.now()
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}):\n${serverOutput}`)
      if (performance.now() - t0 > 60_000) throw new Error(`the server was not ready within 60 s:\n${serverOutput}`)
      const ready = await streamCount(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false)
      if (ready) break
      await sleep(200)
    }
    log(`server pid ${pid} ready on port ${port} in ${fmt((performance.now() - t0) / 1000)} s; ${int(live)} live incidents to stream`)
    await sleep(1000)
    log(`RSS at idle after start: ${fmt(procMem(pid, 'VmRSS') / MiB)} MiB`)

    const results = []
    for (let r = 1; r <= Number(a.runs); r++) {
      const before = procMem(pid, 'VmRSS')
      const cpu0 = procCpu(pid)
      const dbCpu = new BackendCpu(url, decodeURIComponent(new URL(url).pathname.slice(1)))
      await dbCpu.start()
      const hwm = resetPeak(pid)
      let peak = before
      let samples = 0
      const sampler = setInterval(() => {
        try { peak = Math.max(peak, procMem(pid, 'VmRSS')); samples++ } catch {}
      }, 100)
      const res = await streamCount(`http://127.0.0.1:${port}/v1/incidents?format=ndjson`)
      clearInterval(sampler)
      const after = procMem(pid, 'VmRSS')
      const cpu = procCpu(pid) - cpu0
      const pgCpu = await dbCpu.stop()
      peak = Math.max(peak, after)
      const hwmPeak = hwm ? procMem(pid, 'VmHWM') : NaN
      if (res.status !== 200) throw new Error(`export answered ${res.status}:\n${serverOutput}`)
      const row = {
        run: r,
        rows: res.rows,
        seconds: res.seconds,
        rowsPerS: res.rows / res.seconds,
        mibPerS: res.bytes / MiB / res.seconds,
        mib: res.bytes / MiB,
        before: before / MiB,
        peak: peak / MiB,
        growth: (peak - before) / MiB,
        after: after / MiB,
        hwm: hwmPeak / MiB,
        samples,
        cpu,
        pgCpu
      }
      results.push(row)
      log(`run ${r}: ${int(row.rows)} rows${row.rows === live ? '' : ` (expected ${int(live)}!)`}, ${fmt(row.mib)} MiB in ${fmt(row.seconds, 2)} s: ` +
        `${int(row.rowsPerS)} rows/s, ${fmt(row.mibPerS, 2)} MiB/s | RSS before ${fmt(row.before)} MiB, peak ${fmt(row.peak)} MiB ` +
        `(VmHWM ${fmt(row.hwm)}), growth ${fmt(row.growth)} MiB, after ${fmt(row.after)} MiB [${samples} samples]; ` +
        `CPU: server ${fmt(cpu, 1)} s (${fmt((100 * cpu) / row.seconds, 0)}% of one core, ${fmt((cpu * 1e6) / row.rows, 0)} µs/row), ` +
        `PostgreSQL backends ${fmt(pgCpu, 1)} s (${fmt((pgCpu * 1e6) / row.rows, 0)} µs/row)`)
      await sleep(2000)
    }
    return results
  } finally {
    server.kill('SIGTERM')
    const killer = setTimeout(() => server.kill('SIGKILL'), 20_000)
    await exited
    clearTimeout(killer)
  }
}

// ---------------------------------------------------------------------------------------------
// W11: the import file

/** mulberry32: a small seeded PRNG, so the same --seed writes the same file anywhere. */
function rng (seed: number) {
  let s = seed >>> 0
  const next = () => {
    s = (s + 0x6d2b79f5) | 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const intBelow = (n: number) => Math.floor(next() * n)
  return {
    next,
    int: intBelow,
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[intBelow(xs.length)],
    /** biased to the front of the list (popular items first) */
    skewed: <T>(xs: readonly T[]): T => xs[Math.floor(xs.length * next() ** 2)]
  }
}

const START = Date.UTC(2021, 9, 1)
const SPAN = 5 * 365 * 86_400_000

/**
 * NDJSON of `lines` records in the proportions 10% actors, 4% sources, 40% incidents, 16%
 * casualty reports, 30% statements (50k: 5k/2k/20k/8k/15k), every id field a ref to an earlier line.
 */
export function importFile (lines: number, seed: number): { text: string, counts: Record<string, number> } {
  const r = rng(seed)
  const nA = Math.max(10, Math.round(lines * 0.1))
  const nS = Math.max(1, Math.round(lines * 0.04))
  const nI = Math.max(1, Math.round(lines * 0.4))
  const nR = Math.round(lines * 0.16)
  const nT = Math.max(0, lines - nA - nS - nI - nR)
  const out: string[] = []
  const put = (entity: string, ref: string | undefined, data: object) => out.push(JSON.stringify(ref ? { entity, ref, data } : { entity, data }))
  const iso = (ms: number) => new Date(Math.floor(ms)).toISOString()

  const actorKinds = ['armed_group', 'armed_group', 'armed_group', 'military', 'military', 'person', 'person', 'government', 'political_party', 'ngo', 'media', 'other']
  const actorCountry: string[] = []
  for (let i = 0; i < nA; i++) {
    const kind = r.pick(actorKinds)
    const country = r.skewed(world.countries)
    actorCountry.push(country.code)
    const name = kind === 'person'
      ? `${r.pick(world.firstNames)} ${r.pick(world.lastNames)} ${i + 1}`
      : `${r.pick(world.nameAdjectives)} ${r.pick(world.nameNouns)} ${r.pick(world.nameUnits)} ${i + 1}`
    const data: Record<string, unknown> = { name, kind, countryCode: country.code }
    if (kind !== 'person' && r.chance(0.3)) data.aliases = [`${name.split(' ').slice(0, 3).map((w) => w[0]).join('')}-${i + 1}`]
    if (i > 20 && r.chance(0.1)) data.parentId = { ref: `a${r.int(i)}` }
    if (kind === 'person') data.title = r.pick(world.speakerTitles)
    if (r.chance(0.3)) data.description = `${kind.replace('_', ' ')} active in ${country.name}.`
    if (r.chance(0.4)) data.externalIds = { wikidata: `Q${100000 + i}` }
    put('actor', `a${i}`, data)
  }

  for (let j = 0; j < nS; j++) {
    const [publisher, domain, kind, language] = r.skewed(world.publishers)
    const published = START + ((j + r.next()) / nS) * SPAN
    const country = r.skewed(world.countries)
    const title = `${r.pick(world.adjectives)} ${r.pick(world.targets)} attack in ${r.pick(country.towns)[0]}`
    const slug = title.toLowerCase().normalize('NFD').replace(/[^a-z0-9]+/g, '-')
    put('source', `s${j}`, {
      url: `https://${domain}/${iso(published).slice(0, 10).replaceAll('-', '/')}/${slug}-${j.toString(36)}`,
      title: title[0].toUpperCase() + title.slice(1),
      publisher,
      publishedAt: r.chance(0.03) ? null : iso(published),
      kind,
      language
    })
  }

  const types = world.incidentTypeWeights.flatMap(([t, w]) => Array<string>(w).fill(t))
  const perpetrator: number[] = []
  const occurred: number[] = []
  const actorNear = (code: string) => {
    // an actor of the same country when one turns up quickly, else any
    for (let t = 0; t < 20; t++) {
      const x = r.int(nA)
      if (actorCountry[x] === code) return x
    }
    return r.int(nA)
  }
  for (let i = 0; i < nI; i++) {
    const type = r.pick(types)
    const country = r.skewed(world.countries)
    const town = r.skewed(country.towns)
    const when = START + ((i + r.next()) / nI) * SPAN
    occurred.push(when)
    const actors = new Map<number, string>()
    const p = actorNear(country.code)
    perpetrator.push(p)
    actors.set(p, 'perpetrator')
    const q = actorNear(country.code)
    if (!actors.has(q)) actors.set(q, r.chance(0.6) ? 'target' : 'victim')
    if (r.chance(0.3)) { const x = r.int(nA); if (!actors.has(x)) actors.set(x, r.pick(['victim', 'mediator', 'other'])) }
    const sources = new Set([Math.min(nS - 1, Math.floor((i / nI) * nS))])
    if (r.chance(0.45)) sources.add(r.int(nS))
    const tags = new Set<string>()
    for (let t = r.int(4); t > 0; t--) tags.add(r.skewed(world.tags))
    const label = world.typeLabels[type as keyof typeof world.typeLabels]
    const data: Record<string, unknown> = {
      type,
      title: `${label} ${r.pick(world.titleVerbs[type as keyof typeof world.titleVerbs])} ${r.pick(world.targets)} in ${town[0]}`,
      summary: r.chance(0.9) ? `${label} reported in ${town[0]}, ${town[1]} province, ${country.name}.` : null,
      status: r.pick(['reported', 'reported', 'confirmed', 'disputed']),
      occurredAt: iso(when),
      datePrecision: r.pick(['exact', 'exact', 'day']),
      actors: [...actors].map(([x, role]) => ({ actorId: { ref: `a${x}` }, role })),
      tags: [...tags],
      sourceIds: [...sources].map((s) => ({ ref: `s${s}` }))
    }
    if (r.chance(0.7)) {
      data.location = { name: town[0], admin1: town[1], countryCode: country.code, lat: town[2], lon: town[3], precision: r.pick(['exact', 'near', 'admin1']) }
      if (country.neighbours && r.chance(0.05)) data.countryCodes = [country.code, r.pick(country.neighbours)]
    } else {
      data.countryCodes = [country.code]
    }
    put('incident', `i${i}`, data)
  }

  // Two reports per incident on every stride-th incident: unattributed killed, then the
  // perpetrator's figure. (incident, reporter, category) must be unique, so a wrap-around
  // (only when there are more reports than incidents allow) moves to other categories.
  const categories = ['killed', 'injured', 'missing', 'detained', 'displaced']
  const pairs = Math.ceil(nR / 2)
  const stride = Math.max(1, Math.floor(nI / Math.max(1, pairs)))
  for (let j = 0; j < nR; j++) {
    const pair = j >> 1
    const second = j & 1
    const slot = pair * stride
    const incident = slot % nI
    const wrap = Math.floor(slot / nI)
    const category = categories[(2 * wrap + (second ? r.int(2) : 0)) % categories.length]
    const figure = Math.min(2000, Math.floor((1 - r.next()) ** (-1 / 1.1)))
    const qualifier = r.pick(['exact', 'exact', 'at_least', 'approximately', 'range', 'at_most'])
    const min = qualifier === 'at_most' ? Math.floor(figure * 0.6) : figure
    const max = qualifier === 'range' ? figure + 1 + Math.floor(figure / 2) : qualifier === 'at_most' ? figure : null
    const groups = new Set<string>()
    for (let g = r.int(3); g > 0; g--) groups.add(r.pick(world.casualtyGroups))
    put('casualtyReport', undefined, {
      incidentId: { ref: `i${incident}` },
      reportedById: second ? { ref: `a${perpetrator[incident]}` } : null,
      sourceIds: [{ ref: `s${Math.min(nS - 1, Math.floor((incident / nI) * nS))}` }],
      category,
      min,
      max,
      qualifier,
      groups: [...groups],
      note: r.chance(0.2) ? 'figure given by local officials' : null,
      reportedAt: iso(occurred[incident] + 3_600_000 + r.next() * 86_400_000)
    })
  }

  const statementKinds = ['condemnation', 'claim', 'accusation', 'accusation', 'denial', 'confirmation', 'appeal', 'assessment', 'threat', 'other']
  for (let k = 0; k < nT; k++) {
    const kind = r.pick(statementKinds)
    const incidents = new Set<number>()
    if (r.chance(0.8)) {
      incidents.add(Math.min(nI - 1, Math.floor(((k + r.next()) / nT) * nI)))
      if (r.chance(0.1)) incidents.add(r.int(nI))
    }
    const first = [...incidents][0]
    const speaker = first !== undefined && (kind === 'claim' || kind === 'denial') ? perpetrator[first] : r.int(nA)
    const about = new Set<number>()
    for (let t = r.int(3); t > 0; t--) { const x = r.int(nA); if (x !== speaker) about.add(x) }
    const stated = first !== undefined ? occurred[first] + 1_800_000 + r.next() * 86_400_000 : START + ((k + r.next()) / nT) * SPAN
    put('statement', `t${k}`, {
      speakerId: { ref: `a${speaker}` },
      speakerTitle: r.chance(0.5) ? r.pick(world.speakerTitles) : null,
      kind,
      summary: `A ${kind} about ${first !== undefined ? `incident ${first}` : 'the fighting'}.`,
      quote: r.chance(0.4) ? `"${r.pick(world.adjectives)} attacks on the ${r.pick(world.targets)} will not go unanswered."` : null,
      language: r.pick(['en', 'en', 'en', 'ar', 'uk', 'ru', 'fr', 'ps']),
      statedAt: iso(stated),
      datePrecision: r.chance(0.75) ? 'exact' : 'day',
      incidentIds: [...incidents].map((x) => ({ ref: `i${x}` })),
      aboutActorIds: [...about].map((x) => ({ ref: `a${x}` })),
      respondsToId: k > 0 && r.chance(0.2) ? { ref: `t${r.int(k)}` } : null,
      sourceIds: r.chance(0.6) ? [{ ref: `s${r.int(nS)}` }] : []
    })
  }
  return { text: out.join('\n') + '\n', counts: { actor: nA, source: nS, incident: nI, casualtyReport: nR, statement: nT } }
}

// ---------------------------------------------------------------------------------------------
// W11: the import runs

interface ImportRun {
  lines: number
  records: number
  cliSeconds: number
  wallSeconds: number
  recordsPerS: number
  finished: Finished
  stats: QueryStats | null
  /** CPU seconds of the import's PostgreSQL backend */
  pgCpu: number
}

let importDbSeq = 0

/**
 * Runs src/cli/import.ts on a file against a fresh copy of the migrated template database, with
 * the query counter preloaded (its cost is a string replace per query, ~µs against ~1 ms round trips).
 */
async function timedImport (serverUrl: string, template: string, file: string, lines: number, dir: string,
  nodeArgs: string[] = [], timeoutS = Number(a['import-timeout'])): Promise<ImportRun> {
  const name = `sitrep_bench_import_${process.pid}_${++importDbSeq}`
  const statsFile = join(dir, `${name}.queries.json`)
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE ${c.escapeIdentifier(template)}`))
  try {
    const dbCpu = new BackendCpu(serverUrl, name)
    await dbCpu.start()
    const finished = await run([...nodeArgs, '--import', 'tsx', '--import', './bench/count-queries.ts', 'src/cli/import.ts', file],
      { DATABASE_URL: withDatabase(serverUrl, name), BENCH_QUERY_STATS: statsFile }, timeoutS)
    const pgCpu = await dbCpu.stop()
    const stats = await readFile(statsFile, 'utf8').then((t) => JSON.parse(t) as QueryStats, () => null)
    if (finished.timedOut) return { lines, records: NaN, cliSeconds: NaN, wallSeconds: finished.seconds, recordsPerS: NaN, finished, stats, pgCpu }
    if (finished.code !== 0) throw new Error(`import of ${file} failed (exit ${finished.code}):\n${finished.stdout}${finished.stderr.slice(-4000)}`)
    // "imported 2000 records (…) in 3.1 s (645 records/s)"
    const m = /imported (\d+) records .* in ([\d.]+) s/.exec(finished.stdout)
    const records = m ? Number(m[1]) : lines
    const cliSeconds = m ? Number(m[2]) : NaN
    return { lines, records, cliSeconds, wallSeconds: finished.seconds, recordsPerS: records / cliSeconds, finished, stats, pgCpu }
  } finally {
    await dropDatabase(serverUrl, name)
  }
}

function describeRun (r: ImportRun) {
  if (r.finished.timedOut) return `${int(r.lines)} lines: stopped after ${fmt(r.wallSeconds)} s (--import-timeout)`
  const s = r.stats
  const cpu = s
    ? `; CPU: import process ${fmt(s.exit.cpuMs / 1000, 1)} s (${fmt(s.first ? (s.exit.cpuMs - s.first.cpuMs) / r.records : NaN, 1)} ms/record after the first query), ` +
      `PostgreSQL backend ${fmt(r.pgCpu, 1)} s (${fmt((r.pgCpu * 1000) / r.records, 1)} ms/record)`
    : ''
  const q = s ? `; ${int(s.queries)} queries = ${fmt(s.queries / r.records, 2)}/record, ${fmt(s.waitMs / 1000, 1)} s waiting on them` : ''
  return `${int(r.lines)} lines: ${int(r.records)} records in ${fmt(r.cliSeconds, 1)} s as measured by the CLI ` +
    `(${fmt(r.wallSeconds, 1)} s wall incl. process start): ${int(r.recordsPerS)} records/s${q}${cpu}`
}

/** Per entity phase of one import (see bench/count-queries.ts): records, queries, wall, DB wait and CPU per record. */
function printPhases (s: QueryStats | null, indent = '  ') {
  if (!s?.first) return
  log(`${indent}per entity phase (wall = first query to the phase's last change-log insert; CPU = the import process's user+sys):`)
  log(`${indent}  entity          records  queries/rec  wall ms/rec  DB-wait ms/rec  CPU ms/rec`)
  let prev = s.first
  const row = (name: string, n: number, from: typeof prev, to: typeof prev) =>
    log(`${indent}  ${name.padEnd(15)} ${String(n).padStart(7)} ${fmt((to.queries - from.queries) / n, 2).padStart(12)} ` +
      `${fmt((to.at - from.at) / n, 2).padStart(12)} ${fmt((to.waitMs - from.waitMs) / n, 2).padStart(15)} ${fmt((to.cpuMs - from.cpuMs) / n, 2).padStart(11)}`)
  let total = 0
  for (const entity of ['actor', 'source', 'incident', 'casualtyReport', 'statement']) {
    const p = s.phases[entity]
    if (!p) continue
    row(entity, p.created, prev, p)
    prev = p
    total += p.created
  }
  row('all', total, s.first, prev)
  log(`${indent}  before the first query (start-up, module loading, reading, parsing and validating the file): ${fmt(s.first.at / 1000, 2)} s wall, ` +
    `${fmt(s.first.cpuMs / 1000, 2)} s CPU`)
}

interface ProfileNode { id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }
interface CpuProfile { nodes: ProfileNode[], samples: number[], timeDeltas: number[], startTime: number, endTime: number }

/** Where a frame's code lives: a package, the app's own source, Node internals, or V8 pseudo-frames. */
function area (url: string, fn: string) {
  if (!url) return fn.startsWith('(') ? fn : '(native: syscalls, builtins)'
  if (url.startsWith('node:')) return 'node: internals'
  if (url.startsWith('wasm:')) return 'wasm (Prisma query compiler)'
  const nm = url.lastIndexOf('/node_modules/')
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  const src = url.indexOf('/src/')
  if (src !== -1) return url.includes('/src/generated/') ? 'src/generated (Prisma client)' : `src/${url.slice(src + 5).split('/')[0]}`
  const bench = url.indexOf('/bench/')
  if (bench !== -1) return `bench/${url.slice(bench + 7)}`
  return url
}

function shortUrl (url: string) {
  const nm = url.lastIndexOf('/node_modules/')
  if (nm !== -1) return url.slice(nm + '/node_modules/'.length)
  return url.replace(`file://${root}`, '')
}

/**
 * Self time per function and per area, from the samples taken at or after fromMs (ms since the
 * process started: the profile starts at bootstrap, as performance.now() counts, give or take ms).
 */
function summariseProfile (p: CpuProfile, fromMs: number, top = 25) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  // timeDeltas[i] is the time since the previous sample: charge it to sample i.
  let t = 0
  let skipped = 0
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0
    t += dt
    if (t / 1000 < fromMs) { skipped += dt; return }
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt)
  })
  const total = [...selfUs.values()].reduce((s, x) => s + x, 0)
  const fns = new Map<string, number>()
  const areas = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame
    const key = url ? `${functionName || '(anonymous)'}  ${shortUrl(url)}:${lineNumber + 1}` : functionName
    fns.set(key, (fns.get(key) ?? 0) + us)
    const ar = area(url, functionName)
    areas.set(ar, (areas.get(ar) ?? 0) + us)
  }
  const idle = (fns.get('(idle)') ?? 0)
  const busy = total - idle
  const pct = (us: number, of: number) => `${fmt((100 * us) / of, 1).padStart(5)}%`
  const ms = (us: number) => `${int(us / 1000).padStart(7)} ms`
  log(`  main thread from the first query on (${fmt(skipped / 1e6, 2)} s of start-up and validation left out): ${fmt(total / 1e6, 2)} s sampled, ` +
    `${fmt(busy / 1e6, 2)} s in JS/native code, ${fmt(idle / 1e6, 2)} s idle (waiting for the database)`)
  log('  (V8 samples wall time: a thread descheduled inside a syscall, e.g. writev waking PostgreSQL on a busy 2-core box, counts as that syscall)')
  log('  self time by area (% of non-idle):')
  for (const [k, us] of [...areas].filter(([k]) => k !== '(idle)').sort((x, y) => y[1] - x[1]).slice(0, 15)) log(`    ${ms(us)} ${pct(us, busy)}  ${k}`)
  log(`  top ${top} functions by self time (% of non-idle):`)
  for (const [k, us] of [...fns].filter(([k]) => k !== '(idle)').sort((x, y) => y[1] - x[1]).slice(0, top)) log(`    ${ms(us)} ${pct(us, busy)}  ${k}`)
}

async function profileImport (serverUrl: string, template: string, file: string, lines: number, dir: string) {
  const profDir = join(dir, 'cpuprofile')
  await mkdir(profDir, { recursive: true })
  const r = await timedImport(serverUrl, template, file, lines, dir, ['--cpu-prof', '--cpu-prof-dir', profDir])
  log(`profiled run (--cpu-prof + query counter): ${describeRun(r)}`)
  const stats = r.stats
  if (!stats) throw new Error('the query counter wrote nothing')

  log(`\n  SQL round trips: ${int(stats.queries)} for ${int(r.records)} records = ${fmt(stats.queries / r.records, 2)} per record; ` +
    `${fmt(stats.waitMs / 1000, 2)} s waiting on them (${fmt(stats.waitMs / stats.queries, 3)} ms each, ` +
    `${fmt((100 * stats.waitMs) / 1000 / r.cliSeconds, 0)}% of the CLI's ${fmt(r.cliSeconds, 1)} s)`)
  const byVerb = new Map<string, number>()
  for (const [sql, { n }] of Object.entries(stats.byStatement)) {
    const verb = sql.split(' ')[0].toUpperCase()
    byVerb.set(verb, (byVerb.get(verb) ?? 0) + n)
  }
  log(`  by kind: ${[...byVerb].sort((x, y) => y[1] - x[1]).map(([v, n]) => `${v} ${int(n)}`).join(', ')}`)
  log('  most frequent statements (count, per record, total wait):')
  for (const [sql, { n, ms }] of Object.entries(stats.byStatement).sort((x, y) => y[1].n - x[1].n).slice(0, 25)) {
    log(`    ${String(n).padStart(6)} ${fmt(n / r.records, 2).padStart(5)}/rec ${fmt(ms, 0).padStart(6)} ms  ${sql.slice(0, 130)}`)
  }
  printPhases(stats)

  // One file per thread, CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main
  // thread; the other is tsx's module loader worker.
  const files = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile'))
  const main = files.find((f) => /\.0\.\d+\.cpuprofile$/.test(f))
  if (!main) { log(`  (no main-thread .cpuprofile among ${files.join(', ') || 'none'})`); return }
  log(`\n  CPU profile ${join(profDir, main)}${files.length > 1 ? ` (+${files.length - 1} worker thread profile(s) not shown)` : ''}`)
  summariseProfile(JSON.parse(await readFile(join(profDir, main), 'utf8')) as CpuProfile, stats.first?.at ?? 0)
}

async function importBench (serverUrl: string, dir: string) {
  const full = Number(a['import-lines'])
  const steps = a['step-lines'].split(',').map(Number).filter((n) => n > 0 && n < full)
  const profileLines = Number(a['profile-lines'])
  const seed = Number(a.seed)
  log(`\n=== W11 import: src/cli/import.ts, ${int(full)} lines (steps ${steps.join(', ')}; profile ${profileLines})`)

  const files = new Map<number, string>()
  for (const n of new Set([profileLines, ...steps, full])) {
    const { text, counts } = importFile(n, seed)
    const file = join(dir, `import-${n}.ndjson`)
    writeFileSync(file, text)
    files.set(n, file)
    log(`wrote ${file}: ${fmt(Buffer.byteLength(text) / MiB, 1)} MiB, ${Object.entries(counts).map(([e, c]) => `${int(c)} ${e}`).join(', ')}`)
  }

  // One migrated template; every run imports into a fresh CREATE DATABASE … TEMPLATE copy of it.
  const template = `sitrep_bench_tpl_${process.pid}`
  await dropDatabase(serverUrl, template)
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(template)}`))
  try {
    const t0 = performance.now()
    await migrate(withDatabase(serverUrl, template))
    log(`migrated template database ${template} in ${fmt((performance.now() - t0) / 1000)} s`)

    log(`\n--- profile: ${profileLines} lines`)
    await profileImport(serverUrl, template, files.get(profileLines)!, profileLines, dir)

    log('\n--- timing (query counter preloaded, no profiler)')
    const runs: ImportRun[] = []
    for (const n of steps) {
      const r = await timedImport(serverUrl, template, files.get(n)!, n, dir)
      runs.push(r)
      log(describeRun(r))
      printPhases(r.stats, '    ')
    }
    let predicted = NaN
    if (runs.length >= 2) {
      const [p, q] = runs.slice(-2)
      const perLine = (q.cliSeconds - p.cliSeconds) / (q.lines - p.lines)
      predicted = q.cliSeconds + perLine * (full - q.lines)
      log(`straight line through ${int(p.lines)} and ${int(q.lines)} lines: ${fmt(perLine * 1000, 2)} ms per extra line, ` +
        `fixed ${fmt(q.cliSeconds - perLine * q.lines, 1)} s => ${int(full)} lines predicted in ${fmt(predicted)} s ` +
        `(${int(full / predicted)} records/s)`)
      const rate = q.records / q.cliSeconds
      log(`at the ${int(q.lines)}-line rate (${int(rate)} records/s) ${int(full)} lines would take ${fmt(full / rate)} s; ` +
        `at the ${int(p.lines)}-line rate (${int(p.records / p.cliSeconds)} records/s) ${fmt((full * p.cliSeconds) / p.records)} s`)
    } else if (runs.length === 1) {
      predicted = (runs[0].cliSeconds * full) / runs[0].lines
    }
    const budget = Number(a['import-budget'])
    if (!(predicted > budget)) {
      const r = await timedImport(serverUrl, template, files.get(full)!, full, dir)
      log(describeRun(r))
      printPhases(r.stats, '    ')
      if (r.finished.timedOut) log(`EXTRAPOLATED: the ${int(full)}-line import did not finish; predicted ${fmt(predicted)} s (${int(full / predicted)} records/s)`)
      else if (Number.isFinite(predicted)) log(`(prediction was ${fmt(predicted)} s; actual ${fmt(r.cliSeconds)} s)`)
    } else {
      log(`EXTRAPOLATED, not run: ${int(full)} lines predicted at ${fmt(predicted)} s > --import-budget ${budget} s; ` +
        `≈ ${int(full / predicted)} records/s`)
    }
  } finally {
    await dropDatabase(serverUrl, template)
  }
}

// ---------------------------------------------------------------------------------------------

async function main () {
  const dir = await createTempDir('sitrep-throughput-')
  let stop: (() => Promise<void>) | undefined
  try {
    let url = a['database-url']
    if (!url) {
      const embedded = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), database: 'sitrep', forTests: true })
      url = embedded.url
      stop = embedded.stop
      log(`embedded PostgreSQL (fsync off) at ${url}`)
    }
    await ensureDatabase(url)
    log(`server: ${await serverSettings(url)}; node ${process.version}; ${cpus().length} CPUs; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
    if (!a['skip-export']) await exportBench(url)
    if (!a['skip-import']) await importBench(url, dir)
    log(`\nload average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
  } finally {
    await stop?.()
    if (a['keep-files']) log(`\nkept ${dir}`)
    else await rm(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => { console.error(err); process.exitCode = 1 })
}
