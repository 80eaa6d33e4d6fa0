// The tables of `npm run bench`: every round's figures, and per workload the median of the per-round
// ratios with their spread (min–max), so drift on a shared machine shows instead of hiding in one number.

import { cpus, loadavg, totalmem } from 'node:os'
import type { WrkResult } from './wrk.ts'
import type { Workload } from './workloads.ts'

export const SERVERS = ['raw', 'sitrep', 'ceiling'] as const
/** With --replica: sitrep again, its reads on a streaming standby of the bench cluster. */
export const ALL_SERVERS = [...SERVERS, 'replica', 'baseline'] as const
export type ServerName = typeof ALL_SERVERS[number]
const labels: Record<ServerName, string> = { raw: 'raw', sitrep: 'sitrep', ceiling: 'ceiling', replica: 'sitrep, reads on one replica', baseline: 'sitrep at the --baseline commit' }

export interface ExportResult { rows: number, seconds: number, rowsPerS: number, peakRss: number, growth: number, status: number }

export interface Report {
  command: string
  commit: string
  list: Workload[]
  /** results[server][workload][round] */
  results: Record<ServerName, Record<string, WrkResult[]>>
  exports: Record<string, ExportResult[]>
  imported?: { records: number, seconds: number, recordsPerS: number }
  servers: Record<string, { startupMs: number, idleRss: number }>
  startup: { ms: number, rss: number }
  counts: { incidents: number, statements: number, actors: number }
  version: string
  opts: { connections: number, duration: number, warmup: number, rounds: number, jitWarmup?: number }
  /** bytes the ceiling serves per workload */
  ceilingBytes: Record<string, number>
  /** workloads where the raw server's data differed from sitrep's */
  differs: string[]
  /** with --replica: the replica server's db_reads_total, by target and reason */
  replicaReads?: string
}

const MiB = 1024 * 1024

export function median (xs: number[]) {
  const s = [...xs].sort((x, y) => x - y)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** The per-round ratios a[r] ÷ b[r] of two servers measured side by side in each round. */
export const ratios = (a: number[], b: number[]) => a.map((x, r) => x / b[r])
/** Node + PostgreSQL CPU ms per request of each run (NaN where it was not read). */
export const cpuOf = (runs: WrkResult[]) => runs.map((x) => x.cpu ? x.cpu.node + x.cpu.pg : NaN)

export const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1))
const fmtX = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2))
/** "0.87× (0.84–0.91)": the median ratio and the range over rounds. */
export const spread = (xs: number[]) => xs.some((x) => !Number.isFinite(x))
  ? '—'
  : `${fmtX(median(xs))}× (${fmtX(Math.min(...xs))}–${fmtX(Math.max(...xs))})`

const mark = (ok: boolean) => (ok ? 'met' : '**missed**')

/**
 * Issue 15's targets: reads ≥ 0.9× raw (median) with p99 ≤ 1.2× raw's; cached stats p50 ≤ 300 ms; W12 p50 ≤ 1.5× W1's;
 * a hot list ≥ 0.8× the fixed-JSON ceiling and its revalidation (304s) ≥ the ceiling.
 */
function target (r: Report, id: string) {
  const s = r.results.sitrep[id]
  const raw = r.results.raw[id]
  const c = r.results.ceiling[id]
  if (id === 'W1-hot' || id === 'W1-304') {
    const floor = id === 'W1-hot' ? 0.8 : 1
    return `≥ ${floor}× ceiling: ${mark(median(ratios(s.map((x) => x.rps), c.map((x) => x.rps))) >= floor)}`
  }
  if (['W4', 'W9'].includes(id)) return `p50 ≤ 300 ms: ${mark(median(s.map((x) => x.p50)) <= 300)}`
  if (id === 'W12') {
    const w1 = r.results.sitrep.W1
    return w1 ? `p50 ≤ 1.5 × W1's: ${mark(median(s.map((x) => x.p50)) <= 1.5 * median(w1.map((x) => x.p50)))}` : ''
  }
  const rps = median(ratios(s.map((x) => x.rps), raw.map((x) => x.rps)))
  const p99 = median(ratios(s.map((x) => x.p99), raw.map((x) => x.p99)))
  return `≥ 0.9× raw, p99 ≤ 1.2× raw's: ${mark(rps >= 0.9 && p99 <= 1.2)}`
}

export function report (r: Report) {
  const out: string[] = []
  const int = (n: number) => n.toLocaleString('en-US')
  out.push(`# Benchmark results\n\n\`${r.command}\` at commit ${r.commit}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.\n`)
  out.push(`${int(r.counts.incidents)} incidents, ${int(r.counts.statements)} statements, ${int(r.counts.actors)} actors; PostgreSQL ${r.version}; ` +
    `wrk, ${r.opts.connections} connections; ${r.opts.rounds} rounds per workload, each round raw → sitrep → ceiling${r.replicaReads === undefined ? '' : ' → sitrep reading from a streaming standby on the same machine'}, every run ` +
    `${r.opts.warmup} s warm-up + ${r.opts.duration} s measured; the servers start once and stay up${r.opts.jitWarmup ? `, each first warmed ${r.opts.jitWarmup} s on every workload's URLs` : ''} (cold workloads on a sitrep ` +
    'with its response cache off, W1-hot and W1-304 on one with it on); ' + `node ${process.version}; ` +
    `${cpus().length} CPUs (${cpus()[0]?.model.trim()}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB; load average at the end ` +
    `${loadavg().map((x) => x.toFixed(2)).join(' ')}.`)
  out.push('')
  if (r.differs.length) out.push(`**The raw server answered different data from sitrep's for ${r.differs.join(', ')}: those ratios compare different work.**\n`)
  out.push('Ratios are taken per round (the two servers measured back to back) and reported as the median with the min–max over rounds.\n')
  out.push('| workload | sitrep ÷ raw, req/s | sitrep ÷ raw, p99 | sitrep ÷ ceiling, req/s | target |')
  out.push('| --- | ---: | ---: | ---: | --- |')
  for (const w of r.list) {
    const [raw, s, c] = SERVERS.map((n) => r.results[n][w.id])
    if (!raw?.length || !s?.length) continue
    const ceiling = c?.length ? spread(ratios(s.map((x) => x.rps), c.map((x) => x.rps))) : ''
    out.push(`| ${w.id} ${w.what} | ${spread(ratios(s.map((x) => x.rps), raw.map((x) => x.rps)))} | ` +
      `${spread(ratios(s.map((x) => x.p99), raw.map((x) => x.p99)))} | ${ceiling} | ${target(r, w.id)} |`)
    const rep = r.results.replica?.[w.id]
    if (rep?.length) {
      out.push(`| ${w.id} sitrep, reads on one replica | ${spread(ratios(rep.map((x) => x.rps), raw.map((x) => x.rps)))} | ` +
        `${spread(ratios(rep.map((x) => x.p99), raw.map((x) => x.p99)))} | ${c?.length ? spread(ratios(rep.map((x) => x.rps), c.map((x) => x.rps))) : ''} | ` +
        `÷ sitrep on the primary: ${spread(ratios(rep.map((x) => x.rps), s.map((x) => x.rps)))} |`)
    }
    const base = r.results.baseline?.[w.id]
    if (base?.length) {
      out.push(`| ${w.id} sitrep ÷ sitrep at the --baseline commit | ${spread(ratios(s.map((x) => x.rps), base.map((x) => x.rps)))} | ` +
        `${spread(ratios(s.map((x) => x.p99), base.map((x) => x.p99)))} | | no slower than before: ${mark(median(ratios(s.map((x) => x.rps), base.map((x) => x.rps))) >= 1)}; ` +
        `CPU per request (Node + PostgreSQL) ÷ the baseline's: ${spread(ratios(cpuOf(s), cpuOf(base)))} |`)
    }
  }
  out.push('\nEvery run (req/s and p99 by round; the ceiling serves sitrep\'s answer to the workload\'s first URL as fixed bytes, no database):\n')
  out.push('| workload | server | req/s by round | median req/s | p99 by round | median p99 | p50 median | errors | CPU ms per request, Node + PostgreSQL (median) |')
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  for (const w of r.list) {
    for (const name of ALL_SERVERS) {
      const runs = r.results[name]?.[w.id]
      if (!runs?.length) continue
      const label = name === 'ceiling' ? `ceiling (${int(r.ceilingBytes[w.id] ?? 0)} B)` : labels[name]
      out.push(`| ${name === 'raw' ? w.id : ''} | ${label} | ${runs.map((x) => x.rps.toFixed(0)).join(' · ')} | ${median(runs.map((x) => x.rps)).toFixed(0)} | ` +
        `${runs.map((x) => fmtMs(x.p99)).join(' · ')} ms | ${fmtMs(median(runs.map((x) => x.p99)))} ms | ${fmtMs(median(runs.map((x) => x.p50)))} ms | ` +
        `${runs.reduce((n, x) => n + x.errors, 0)} | ${runs.every((x) => x.cpu) ? `${median(runs.map((x) => x.cpu!.node)).toFixed(2)} + ${median(runs.map((x) => x.cpu!.pg)).toFixed(2)}` : ''} |`)
    }
  }
  const exported = Object.entries(r.exports).filter(([, runs]) => runs.length)
  if (exported.length || r.imported) out.push('\n| | rows | rows/s by round | median rows/s | peak RSS | largest growth | target |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |')
  for (const [name, runs] of exported) {
    const rate = median(runs.map((e) => e.rowsPerS))
    const growth = Math.max(...runs.map((e) => e.growth))
    out.push(`| W10 ${name} export | ${int(runs[0].rows)} | ${runs.map((e) => e.rowsPerS.toFixed(0)).join(' · ')} | ` +
      `**${rate.toFixed(0)}** | ${(Math.max(...runs.map((e) => e.peakRss)) / MiB).toFixed(0)} MiB | ${(growth / MiB).toFixed(0)} MiB | ` +
      `${name.endsWith('(sitrep)') ? `≥ 100k rows/s, growth ≤ 100 MB: ${mark(rate >= 100_000 && growth <= 100 * MiB)}` : ''} |`)
  }
  if (r.imported) {
    out.push(`| W11 import over HTTP (sitrep), records | ${int(r.imported.records)} in ${r.imported.seconds.toFixed(1)} s | | ` +
      `**${r.imported.recordsPerS.toFixed(0)} records/s** | | | ≥ 10k records/s: ${mark(r.imported.recordsPerS >= 10_000)} |`)
  }
  out.push('')
  for (const [name, s] of Object.entries(r.servers)) {
    out.push(`- ${name}: ready ${s.startupMs.toFixed(0)} ms after spawn${name === 'ceiling' ? '' : ' (external database)'}, idle RSS ${(s.idleRss / MiB).toFixed(0)} MiB`)
  }
  if (r.replicaReads !== undefined) out.push(`- sitrep, reads on one replica: its GET requests by where they read (db_reads_total): ${r.replicaReads}`)
  out.push(`- sitrep on an existing embedded database (\`npm start\`): ready ${r.startup.ms.toFixed(0)} ms after spawn, idle RSS ${(r.startup.rss / MiB).toFixed(0)} MiB (node process)`)
  return out.join('\n')
}
