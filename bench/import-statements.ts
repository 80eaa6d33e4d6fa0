// Where an import's time goes, statement by statement: runs the import service in this process on
// a generated file (bench/throughput.ts's generator) into a fresh migrated database, and reads the
// PostgreSQL backend's CPU from /proc before and after every statement (one connection, one
// statement at a time, so each statement's backend CPU is exact). Needs a PostgreSQL on this machine.
//
//   tsx bench/import-statements.ts --database-url postgresql://postgres@127.0.0.1:5432/postgres [--lines 50000] [--seed 42]
//   … --profile /tmp/import.cpuprofile   (the import's Node side as a CPU profile, for Chrome DevTools)

import { readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { migrate } from '../src/db/migrate.ts'
import { runImport } from '../src/modules/imports/service.ts'
import { importFile } from './throughput.ts'

const { values: a } = parseArgs({
  options: {
    'database-url': { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
    lines: { type: 'string', default: '50000' },
    seed: { type: 'string', default: '42' },
    top: { type: 'string', default: '25' },
    profile: { type: 'string' }
  }
})

const withDatabase = (url: string, name: string) => { const u = new URL(url); u.pathname = `/${name}`; return u.href }

function procCpu (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

const server = a['database-url']
const name = `sitrep_bench_stmts_${process.pid}`
const admin = new pg.Client({ connectionString: server })
await admin.connect()
await admin.query(`CREATE DATABASE ${name}`)
try {
  await migrate(withDatabase(server, name))
  const { text, counts } = importFile(Number(a.lines), Number(a.seed))
  const pool = new pg.Pool({ connectionString: withDatabase(server, name), max: 1 })
  const byStatement = new Map<string, { n: number, cpu: number, wall: number }>()
  let backend = 0
  let firstWrite = 0
  pool.on('connect', (client) => {
    const original = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>
    ;(client as unknown as { query: unknown }).query = async (...args: unknown[]) => {
      const config = args[0] as { text?: string } | string
      const sql = (typeof config === 'string' ? config : config.text ?? '?').replace(/\s+/g, ' ').trim()
      if (!firstWrite && /^(INSERT|UPDATE|DELETE)/.test(sql)) firstWrite = performance.now()
      const cpu0 = backend ? procCpu(backend) : 0
      const t0 = performance.now()
      const result = await original(...args)
      const entry = byStatement.get(sql.slice(0, 110)) ?? { n: 0, cpu: 0, wall: 0 }
      entry.n++
      entry.wall += performance.now() - t0
      entry.cpu += backend ? procCpu(backend) - cpu0 : 0
      byStatement.set(sql.slice(0, 110), entry)
      return result
    }
  })
  const probe = await pool.connect()
  backend = (await probe.query('SELECT pg_backend_pid() AS pid')).rows[0].pid
  probe.release()
  byStatement.clear()
  const session = new Session()
  if (a.profile) {
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
  }
  const cpu0 = process.cpuUsage()
  const pg0 = procCpu(backend)
  const t0 = performance.now()
  const result = await runImport(pool, text, { keyName: 'bench' })
  const wall = (performance.now() - t0) / 1000
  const node = process.cpuUsage(cpu0)
  const pgCpu = procCpu(backend) - pg0
  if (a.profile) {
    const { profile } = await session.post('Profiler.stop')
    writeFileSync(a.profile, JSON.stringify(profile))
    session.disconnect()
  }
  await pool.end()
  // Row versions the import wrote on incidents beyond its inserts (statistics arrive within a second or so).
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const db = new pg.Client({ connectionString: withDatabase(server, name) })
  await db.connect()
  const { rows: [stat] } = await db.query("SELECT n_tup_ins AS ins, n_tup_upd AS upd FROM pg_stat_user_tables WHERE relname = 'incidents'")
  await db.end()
  const records = Object.values(result.created).reduce((x, y) => x + y, 0)
  console.log(`${a.lines} lines (${Object.entries(counts).map(([e, n]) => `${n} ${e}`).join(', ')}): ${records} records in ${wall.toFixed(2)} s = ${Math.round(records / wall)} records/s`)
  console.log(`Node CPU ${((node.user + node.system) / 1e6).toFixed(2)} s, PostgreSQL backend CPU ${pgCpu.toFixed(2)} s; ` +
    `first write after ${((firstWrite - t0) / 1000).toFixed(2)} s; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
  console.log(`incidents: ${stat.ins} rows inserted, ${stat.upd} row updates`)
  console.log('statements by backend CPU (count, backend CPU s, wall s):')
  for (const [sql, s] of [...byStatement].sort((x, y) => y[1].cpu - x[1].cpu).slice(0, Number(a.top))) {
    console.log(`  ${String(s.n).padStart(4)} ${s.cpu.toFixed(2).padStart(6)} ${(s.wall / 1000).toFixed(2).padStart(6)}  ${sql}`)
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin.end()
}
