import { join } from 'node:path'
import { rm } from 'node:fs/promises'
import type { FastifyInstance } from 'fastify'
import getPort from 'get-port'
import pg from 'pg'
import supertest from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { ensureAppLogin } from '../../src/db/app-role.ts'
import { createTempDir, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.ts'
import { migrate } from '../../src/db/migrate.ts'
import { prepareStandby, startStandby, waitForReplay, type Standby } from '../../src/db/standby.ts'
import { createKeyRepository } from '../../src/modules/keys/repository.ts'

// A real streaming replica: the embedded primary's data directory copied while stopped, started as a
// standby with the package's own binaries. The app reads GETs from it and writes to the primary.
let dir: string
let primary: EmbeddedPostgres
let standby: Standby
let app: FastifyInstance
let auth: { authorization: string }
const logs: string[] = []

async function onStandby<T extends pg.QueryResultRow> (sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: standby.url })
  await client.connect()
  try {
    return (await client.query<T>(sql)).rows
  } finally {
    await client.end()
  }
}

const http = () => supertest(app.server)
const replica = () => app.replicas!.replicas[0]

async function until (what: string, ok: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 200; i++) {
    if (await ok()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting until ${what}`)
}

/** db_reads_total by target and reason, from /metrics */
async function reads () {
  const text = (await http().get('/metrics')).text
  const count = (target: string, reason: string) => Number(text.match(new RegExp(`^db_reads_total\\{target="${target}",reason="${reason}"\\} (\\d+)`, 'm'))?.[1] ?? 0)
  return { replica: count('replica', 'replica'), behind: count('primary', 'behind'), failedOver: count('primary', 'failed-over'), none: count('primary', 'no-replica') }
}

beforeAll(async () => {
  dir = await createTempDir('sitrep-replica-')
  const primaryDir = join(dir, 'primary')
  primary = await startEmbeddedPostgres({ dataDir: primaryDir })
  const port = Number(new URL(primary.url).port)
  await migrate(primary.url)
  await ensureAppLogin(primary.url, primary.appUrl)
  await primary.stop()
  await prepareStandby(primaryDir, join(dir, 'standby'), port)
  primary = await startEmbeddedPostgres({ dataDir: primaryDir, port })
  standby = await startStandby(join(dir, 'standby'), await getPort())
  app = await buildApp({
    databaseUrl: primary.appUrl,
    readUrls: [standby.appUrl],
    replicas: { checkIntervalMs: 100, maxLagSeconds: 120 },
    // No stored answers, so every read below is routed and counted (ETags and positions stay on).
    httpCache: { maxBytes: 0 },
    logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line).msg) } } },
    rateLimitPerMinute: 1_000_000
  })
  await app.ready()
  auth = { authorization: `Bearer ${(await createKeyRepository(app.db).create('replica', ['write'])).secret}` }
}, 120_000)

afterAll(async () => {
  await app?.close()
  await standby?.stop()
  await primary?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('reads on a streaming replica', () => {
  it('is a real standby that streams from the primary', async () => {
    const [row] = await onStandby<{ standby: boolean, status: string }>('SELECT pg_is_in_recovery() AS standby, (SELECT status FROM pg_stat_wal_receiver) AS status')
    expect(row).toEqual({ standby: true, status: 'streaming' })
    await until('the replica is up', () => replica().state === 'up')
  })

  it('answers every write with Sitrep-Seq; a read with Sitrep-Min-Seq sees the write', async () => {
    const created = await http().post('/v1/actors').set(auth).send({ name: 'Ministry of Defence', kind: 'government' })
    expect(created.status).toBe(201)
    const seq = created.headers['sitrep-seq']
    expect(seq).toMatch(/^\d+$/)
    const [{ max }] = await onStandby<{ max: string | null }>('SELECT 1 AS one, (SELECT max(seq)::text FROM changes) AS max')
    expect(BigInt(max ?? 0)).toBeLessThanOrEqual(BigInt(seq)) // the position is the primary's, not ahead of it
    const read = await http().get(`/v1/actors/${created.body.id}`).set('sitrep-min-seq', seq)
    expect(read.status).toBe(200)
    expect(read.body.name).toBe('Ministry of Defence')
  })

  it('reads on the primary while the replica is behind the position the answer is tagged with, with or without Sitrep-Min-Seq', async () => {
    await onStandby('SELECT pg_wal_replay_pause()')
    try {
      const created = await http().post('/v1/actors').set(auth).send({ name: 'Red Crescent', kind: 'other' })
      expect(created.status).toBe(201)
      const seq = created.headers['sitrep-seq']
      const before = await reads()
      // Every read's ETag names the primary's log position, so a standby that has not replayed
      // the write cannot answer it: the primary does, and the actor is found.
      const plain = await http().get(`/v1/actors/${created.body.id}`)
      expect(plain.status).toBe(200)
      const fresh = await http().get(`/v1/actors/${created.body.id}`).set('sitrep-min-seq', seq)
      expect(fresh.status).toBe(200)
      const after = await reads()
      expect(after.replica - before.replica).toBe(0)
      expect(after.behind - before.behind).toBe(2)
    } finally {
      await onStandby('SELECT pg_wal_replay_resume()')
    }
    const last = (await http().post('/v1/actors').set(auth).send({ name: 'Observer', kind: 'other' }))
    expect(await waitForReplay(standby.url, BigInt(last.headers['sitrep-seq']))).toBe(true)
    const before = await reads()
    expect((await http().get(`/v1/actors/${last.body.id}`)).status).toBe(200)
    expect((await reads()).replica - before.replica).toBe(1)
    // What the standby itself shows: the API's read connections ran the actor query there.
    const sessions = await onStandby<{ query: string }>("SELECT query FROM pg_stat_activity WHERE application_name = 'sitrep-read'")
    expect(sessions.some((s) => /FROM actors/i.test(s.query))).toBe(true)
  })

  it('lists, exports, stats, the timeline and the change feed read from the replica', async () => {
    const before = await reads()
    for (const path of ['/v1/actors', '/v1/incidents', '/v1/incidents?format=ndjson', '/v1/stats/incidents?groupBy=type', '/v1/timeline', '/v1/changes']) {
      const res = await http().get(path)
      expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(200)
    }
    expect((await reads()).replica - before.replica).toBe(6)
  })

  it('falls back to the primary when the replica stops, and goes back to it when it returns', async () => {
    const id = (await http().get('/v1/actors?limit=1')).body.data[0].id
    await standby.stop()
    // The first read finds the replica gone mid-request and is answered by the primary.
    const during = await http().get(`/v1/actors/${id}`)
    expect(during.status).toBe(200)
    await until('the replica is marked down', () => replica().state === 'down')
    const before = await reads()
    expect((await http().get(`/v1/actors/${id}`)).status).toBe(200)
    const after = await reads()
    expect(after.none - before.none).toBe(1)
    expect(before.failedOver + before.none).toBeGreaterThan(0)
    expect(logs.some((m) => /replica .* is down/.test(m))).toBe(true)
    const metrics = (await http().get('/metrics')).text
    expect(metrics).toMatch(/^db_replica_up\{replica="127\.0\.0\.1:\d+\/sitrep"\} 0$/m)

    standby = await startStandby(standby.dataDir, standby.port)
    await until('the replica is up again', () => replica().state === 'up')
    const back = await reads()
    expect((await http().get(`/v1/actors/${id}`)).status).toBe(200)
    expect((await reads()).replica - back.replica).toBe(1)
  })
})
