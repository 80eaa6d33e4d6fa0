// Webhook throughput: changes committed in one bulk import, delivered by this process's worker to a
// local receiver that answers 200 at once, with Standard Webhooks signatures. Prints deliveries per
// second for one subscription (its deliveries go one at a time, in change order) and for several
// (one in flight per subscription, up to WEBHOOK_CONCURRENCY), the CPU time per delivery of this
// process and of PostgreSQL (steadier than the rate on a shared machine), and how many connections
// the receiver saw opened.
//
//   npx tsx bench/webhooks.ts [-- --changes 2000 --subscriptions 1,16 --concurrency 32]
//
// A throwaway embedded PostgreSQL (durable settings, as served) is started and removed afterwards.
// The receiver runs in its own process; the worker, the API and PostgreSQL share this machine, so the
// figures are indicative.

import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildApp } from '../src/app.ts'
import { createTempDir, startEmbeddedPostgres } from '../src/db/embedded.ts'
import { migrate } from '../src/db/migrate.ts'
import { createKeyRepository } from '../src/modules/keys/repository.ts'
import { cpuMs } from './cpu.ts'

const { values } = parseArgs({
  options: { changes: { type: 'string', default: '2000' }, subscriptions: { type: 'string', default: '1,16' }, concurrency: { type: 'string', default: '32' } }
})
const changes = Number(values.changes)
const rounds = values.subscriptions.split(',').map(Number)
const concurrency = Number(values.concurrency)

/** A receiver process that counts POSTs; it prints the count on every `count` line it reads. */
async function startReceiver () {
  const child = spawn(process.execPath, ['-e', `
    const http = require('node:http')
    let n = 0
    let connections = 0
    const server = http.createServer((req, res) => { req.resume(); req.on('end', () => { n++; res.end('ok') }) })
    server.on('connection', () => { connections++ })
    server.keepAliveTimeout = 60000
    server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port))
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', (d) => { for (const line of d.split('\\n')) if (line === 'count') console.log('count ' + n + ' ' + connections) })
  `], { stdio: ['pipe', 'pipe', 'inherit'] })
  const waiting: Array<(line: string) => void> = []
  let buffered = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (d: string) => {
    buffered += d
    let at
    while ((at = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, at)
      buffered = buffered.slice(at + 1)
      waiting.shift()?.(line)
    }
  })
  const next = () => new Promise<string>((resolve) => waiting.push(resolve))
  const port = Number((await next()).split(' ')[1])
  return {
    url: `http://127.0.0.1:${port}/hook`,
    /** requests received, and connections opened, so far */
    async count () {
      const line = next()
      child.stdin.write('count\n')
      const [, requests, connections] = (await line).split(' ').map(Number)
      return { requests, connections }
    },
    stop: () => child.kill()
  }
}

/** CPU time (ms) of the postmaster and its children (the backends, the checkpointer, the WAL writer), read from /proc. */
function postgresCpuMs (postmaster: number) {
  let total = cpuMs(postmaster)
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) total += cpuMs(Number(entry))
    } catch {}
  }
  return total
}

async function run (databaseUrl: string, postmaster: number) {
  await migrate(databaseUrl)
  const app = await buildApp({
    databaseUrl,
    logger: false,
    rateLimitPerMinute: 1_000_000_000,
    webhooks: { worker: true, allowPrivate: true, pollMs: 50, concurrency }
  })
  await app.ready()
  const keys = createKeyRepository(app.db)
  const admin = `Bearer ${(await keys.create('bench', ['admin'])).secret}`
  const receiver = await startReceiver()
  try {
    for (const subscriptions of rounds) {
      const hooks: string[] = []
      for (let i = 0; i < subscriptions; i++) {
        const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: { authorization: admin }, payload: { url: receiver.url, events: ['actor.created'] } })
        if (res.statusCode !== 201) throw new Error(res.body)
        hooks.push(res.json().id)
      }
      const before = await receiver.count()
      const tag = `r${subscriptions}-${Date.now()}`
      const body = Array.from({ length: changes }, (_, i) => JSON.stringify({ entity: 'actor', data: { name: `${tag} actor ${i}`, kind: 'other' } })).join('\n')
      const started = performance.now()
      const imported = await app.inject({ method: 'POST', url: '/v1/import', headers: { authorization: admin, 'content-type': 'application/x-ndjson' }, payload: body })
      if (imported.statusCode !== 200) throw new Error(imported.body)
      const committed = performance.now()
      const cpuBefore = { node: process.cpuUsage(), pg: postgresCpuMs(postmaster) }
      const expected = before.requests + changes * subscriptions
      let got = before
      while (got.requests < expected) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        got = await receiver.count()
      }
      const seconds = (performance.now() - committed) / 1000
      const node = process.cpuUsage(cpuBefore.node)
      const pgMs = postgresCpuMs(postmaster) - cpuBefore.pg
      const delivered = changes * subscriptions
      console.log(`${subscriptions} subscription(s), ${changes} changes: ${delivered} deliveries in ${seconds.toFixed(2)} s after the import committed ` +
        `(import ${((committed - started) / 1000).toFixed(2)} s) = ${Math.round(delivered / seconds)} deliveries/s; CPU per delivery: ` +
        `node ${((node.user + node.system) / 1000 / delivered).toFixed(3)} ms, PostgreSQL ${(pgMs / delivered).toFixed(3)} ms; ` +
        `${got.connections - before.connections} connection(s) opened to the receiver`)
      for (const id of hooks) await app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: { authorization: admin } })
    }
  } finally {
    receiver.stop()
    await app.close()
  }
}

const dir = await createTempDir('sitrep-webhooks-bench-')
try {
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg') })
  try {
    const postmaster = Number((await readFile(join(dir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0])
    await run(server.url, postmaster)
  } finally {
    await server.stop()
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
// The schema engine used by migrate leaves a timer behind.
process.exit()
