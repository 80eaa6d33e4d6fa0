// CPU time a server spends per request: its Node process and the PostgreSQL backends serving it,
// read from /proc (Linux; the embedded PostgreSQL runs on the same machine). Unlike req/s, CPU time
// per request hardly depends on what else the shared machine is running, so it compares two servers
// measured minutes apart, or under load from other work, more steadily than throughput does.

import { readFileSync } from 'node:fs'
import pg from 'pg'

const TICK_MS = 10 // USER_HZ is 100 on Linux

/** utime + stime of a process in ms, or 0 once it has gone. */
export function cpuMs (pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS
  } catch {
    return 0
  }
}

/** The backends of the connections whose application_name is `app` (each server gets its own, PGAPPNAME). */
async function backends (url: string, app: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app])
    return rows.map((r) => r.pid)
  } finally {
    await client.end()
  }
}

export interface CpuSample { node: number, pg: Map<number, number> }

/** A reading of the server's CPU so far: its Node process and its backends. */
export async function cpuSample (url: string, app: string, pid: number): Promise<CpuSample> {
  const pids = await backends(url, app)
  return { node: cpuMs(pid), pg: new Map(pids.map((p) => [p, cpuMs(p)])) }
}

/** CPU ms spent between two readings; a backend opened in between counts from zero. */
export async function cpuSince (url: string, app: string, pid: number, before: CpuSample) {
  const after = await cpuSample(url, app, pid)
  let pgMs = 0
  for (const [p, ms] of after.pg) pgMs += ms - (before.pg.get(p) ?? 0)
  return { node: after.node - before.node, pg: pgMs }
}
