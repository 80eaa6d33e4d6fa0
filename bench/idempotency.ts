// What an Idempotency-Key costs a write: POST /v1/incidents through the real app (inject, no
// network), with and without a key, alternating, on a freshly migrated database. A keyed write also
// claims its key before the write (one statement), locks it and marks it applied inside the write's
// transaction (two statements) and stores the answer after it (one statement).
//
//   tsx bench/idempotency.ts [DATABASE_URL of a server to create a database on] [--writes 400]
//
// Without a URL it runs on the machine's PostgreSQL at 127.0.0.1:5432. Prints median and p95 in ms.

import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { migrate } from '../src/db/migrate.ts'
import { createKeyRepository } from '../src/modules/keys/repository.ts'

const server = new URL(process.argv.find((a) => a.startsWith('postgres')) ?? 'postgresql://postgres@127.0.0.1:5432/postgres')
const writesArg = process.argv.indexOf('--writes')
const writes = writesArg > 0 ? Number(process.argv[writesArg + 1]) : 400

const name = `sitrep_bench_idem_${randomUUID().slice(0, 8)}`
const admin = new pg.Client({ connectionString: server.toString() })
await admin.connect()
await admin.query(`CREATE DATABASE ${name}`)
const url = new URL(server)
url.pathname = `/${name}`
try {
  await migrate(url.toString())
  const app = await buildApp({ databaseUrl: url.toString(), logger: false, rateLimitPerMinute: 1_000_000 })
  await app.ready()
  const { secret } = await createKeyRepository(app.db).create('bench', ['write'])
  const times: Record<'without' | 'with', number[]> = { without: [], with: [] }
  for (let i = 0; i < writes * 2; i++) {
    const keyed = i % 2 === 1
    const headers: Record<string, string> = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }
    if (keyed) headers['idempotency-key'] = `bench-${i}`
    const t0 = performance.now()
    const res = await app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers,
      payload: { type: 'other', title: `Bench ${i}`, occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'] }
    })
    const ms = performance.now() - t0
    if (res.statusCode !== 201) throw new Error(`POST answered ${res.statusCode}: ${res.body}`)
    // The first writes warm the JIT and the pool.
    if (i >= 40) times[keyed ? 'with' : 'without'].push(ms)
  }
  await app.close()
  for (const [label, ms] of Object.entries(times)) {
    ms.sort((a, b) => a - b)
    const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(2)
    console.log(`POST /v1/incidents ${label.padEnd(7)} Idempotency-Key: median ${at(0.5)} ms, p95 ${at(0.95)} ms (${ms.length} writes)`)
  }
} finally {
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`)
  await admin.end()
}
