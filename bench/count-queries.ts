// Preload that counts SQL round trips: every pg.Client#query call (pg.Pool#query goes through it
// too), with the time until its result arrived, grouped by statement text. Used by
// bench/throughput.ts:
//
//   BENCH_QUERY_STATS=/tmp/q.json node --import tsx --import ./bench/count-queries.ts src/cli/import.ts FILE
//
// It also splits an import into its entity phases: the import writes all actors, then all
// sources, incidents, casualty reports and statements, and every record ends with its
// `INSERT INTO changes … 'created'`; the counters are snapshotted at each such insert, so a
// phase ends at its entity's last one (give or take the record's trailing pg_notify).
// The totals are written as JSON when the process exits (the CLIs end with process.exit()).

import { writeFileSync } from 'node:fs'
import pg from 'pg'

interface Snapshot { at: number, queries: number, waitMs: number, cpuMs: number }

export interface QueryStats {
  queries: number
  /** summed from call to result: with one connection in a transaction, the time spent waiting on the database */
  waitMs: number
  byStatement: Record<string, { n: number, ms: number }>
  /** when the first query was sent (ms since process start), with the process's CPU time by then */
  first: Snapshot | null
  /** per entity: records created, and the counters right after its last record's change-log insert */
  phases: Record<string, Snapshot & { created: number }>
  exit: Snapshot
}

const out = process.env.BENCH_QUERY_STATS
if (out) {
  const stats: QueryStats = { queries: 0, waitMs: 0, byStatement: {}, first: null, phases: {}, exit: { at: 0, queries: 0, waitMs: 0, cpuMs: 0 } }
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
  const snapshot = (): Snapshot => ({ at: performance.now(), queries: stats.queries, waitMs: stats.waitMs, cpuMs: cpuMs() })
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const t0 = performance.now()
    stats.first ??= snapshot()
    const config = args[0] as { text?: string, values?: unknown[] } | string | null
    const text = typeof config === 'string' ? config : config?.text ?? '?'
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 160)
    const values = typeof config === 'object' ? config?.values : undefined
    const created = key.startsWith('INSERT INTO changes') && values?.[2] === 'created' ? String(values[0]) : null
    const entry = (stats.byStatement[key] ??= { n: 0, ms: 0 })
    stats.queries++
    entry.n++
    const done = () => {
      const ms = performance.now() - t0
      stats.waitMs += ms
      entry.ms += ms
      if (created) {
        const n = (stats.phases[created]?.created ?? 0) + 1
        stats.phases[created] = { ...snapshot(), created: n }
      }
    }
    const result = original.apply(this, args)
    if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(done, done)
    return result
  } as typeof pg.Client.prototype.query
  process.on('exit', () => {
    stats.exit = snapshot()
    writeFileSync(out, JSON.stringify(stats))
  })
}
