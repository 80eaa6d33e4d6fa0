// wrk (C, one process, a few threads) as the load generator: on a 2-core machine a load
// generator written in Node would take as much CPU as the servers it measures.

import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface WrkResult {
  rps: number
  p50: number
  p99: number
  requests: number
  errors: number
  /** CPU ms per request during the measured run: the server's Node process, and its PostgreSQL backends */
  cpu?: { node: number, pg: number }
}
export interface WrkOptions {
  connections: number
  duration: number
  warmup: number
  threads?: number
  headers?: Record<string, string>
  /** called right before the measured run; what it returns is called right after it */
  around?: () => Promise<() => Promise<void>>
}

const has = (cmd: string) => { try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true } catch { return false } }

/** wrk comes from the distribution (Debian: apt-get install wrk); installed here when running as root. */
export async function ensureWrk () {
  if (has('wrk')) return
  if (process.getuid?.() === 0 && has('apt-get')) {
    console.log('wrk is missing: apt-get install -y wrk')
    execFileSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: 'inherit' })
    if (has('wrk')) return
  }
  throw new Error('npm run bench needs wrk on the PATH (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)')
}

// Each connection walks the list of paths in turn (one Lua state per wrk thread), sending `headers`.
const script = (paths: string[], headers: Record<string, string>) => `local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}
local headers = {${Object.entries(headers).map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join(', ')}}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end
`

const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 }
const toMs = (s: string) => { const m = /^([\d.]+)(us|ms|s|m)$/.exec(s); return m ? Number(m[1]) * units[m[2]] : NaN }

export function parseWrk (out: string): WrkResult {
  const latency = (pct: string) => toMs(new RegExp(`^\\s+${pct}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '')
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN)
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  const socketErrors = socket ? socket.slice(1).map(Number).reduce((x, y) => x + y, 0) : 0
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN), p50: latency('50'), p99: latency('99'), requests, errors: non2xx + socketErrors }
}

function runWrk (base: string, file: string, seconds: number, o: WrkOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t', String(o.threads ?? 2), '-c', String(o.connections), '-d', `${seconds}s`, '--latency', '--timeout', '10s', '-s', file, base],
      { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => { out += d })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}:\n${out}`))))
  })
}

/** Warm-up (discarded), then the measured run, with the same connections. */
export async function wrk (base: string, paths: string[], o: WrkOptions): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sitrep-wrk-'))
  try {
    const file = join(dir, 'paths.lua')
    writeFileSync(file, script(paths, o.headers ?? {}))
    if (o.warmup > 0) await runWrk(base, file, o.warmup, o)
    const after = await o.around?.()
    const out = await runWrk(base, file, o.duration, o)
    await after?.()
    return parseWrk(out)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
