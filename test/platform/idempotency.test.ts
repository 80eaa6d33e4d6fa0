import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import getPort from 'get-port'
import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { withClaim } from '../../src/db/idempotency.ts'
import { createActorRepository } from '../../src/modules/actors/repository.ts'
import { createActorSchema } from '../../src/modules/actors/schemas.ts'

let t: TestContext
beforeAll(async () => {
  t = await createTestApp()
})

const post = (key: string, body: object) => t.http().post('/v1/actors').set(t.auth()).set('idempotency-key', key).send(body)
const postIncident = (key: string, body: object) => t.http().post('/v1/incidents').set(t.auth()).set('idempotency-key', key).send(body)

describe('Idempotency-Key', () => {
  it('when a POST is retried with the same key and body, then the first response is replayed and one record exists', async () => {
    const first = await post('create-1', { name: 'Idempotent actor', kind: 'other' })
    expect(first.status).toBe(201)
    const replay = await post('create-1', { name: 'Idempotent actor', kind: 'other' })
    expect(replay.status).toBe(201)
    expect(replay.body).toEqual(first.body)
    expect(replay.headers.location).toBe(first.headers.location)
    expect(replay.headers['idempotent-replayed']).toBe('true')
    expect(await t.app.db.actor.count({ where: { name: 'Idempotent actor' } })).toBe(1)
  })

  it('when the same key comes with another body, then 409', async () => {
    await post('create-2', { name: 'Keyed actor', kind: 'other' }).expect(201)
    const other = await post('create-2', { name: 'Another actor', kind: 'other' })
    expect(other.status).toBe(409)
    expect(other.body.detail).toContain('different request')
  })

  it('when two requests with one key arrive at once, then one record is created', async () => {
    const body = { name: 'Concurrent idempotent', kind: 'other' }
    const results = await Promise.all([post('create-3', body), post('create-3', body), post('create-3', body)])
    const statuses = results.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1)
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true)
    expect(await t.app.db.actor.count({ where: { name: 'Concurrent idempotent' } })).toBe(1)
  })

  it('replays a 4xx answer too, and keys are per API key', async () => {
    const bad = await post('bad-1', { name: 'x', kind: 'wizard' })
    expect(bad.status).toBe(400)
    const otherKey = await t.http().post('/v1/actors').set(t.auth('admin')).set('idempotency-key', 'create-1').send({ name: 'Admin keyed', kind: 'other' })
    expect(otherKey.status).toBe(201)
  })
})

// A TCP relay between a server process and PostgreSQL that, once `freeze()` is called, lets the next
// COMMIT through and then nothing more from the server: what PostgreSQL sees of a process that died
// right after its write committed.
async function startRelay (target: URL) {
  const sockets = new Set<net.Socket>()
  let freezing = false
  let frozen = false
  const relay = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname)
    sockets.add(client).add(upstream)
    client.on('data', (chunk) => {
      if (frozen) return
      upstream.write(chunk)
      if (freezing && chunk.includes('COMMIT')) frozen = true
    })
    upstream.on('data', (chunk) => client.write(chunk))
    for (const s of [client, upstream]) s.on('error', () => {}).on('close', () => { client.destroy(); upstream.destroy() })
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
  const url = new URL(target)
  url.host = `127.0.0.1:${(relay.address() as net.AddressInfo).port}`
  return {
    url: url.toString(),
    freeze: () => { freezing = true },
    isFrozen: () => frozen,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => relay.close(resolve))
    }
  }
}

async function until (check: () => Promise<boolean> | boolean, what: string, ms = 40_000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(25)) if (await check()) return
  throw new Error(`timed out waiting for ${what}`)
}

describe('Idempotency-Key when the write outlives its answer', () => {
  it('when the process dies after the write committed and before the answer was stored, then a retry replays the record and writes nothing', async () => {
    const relay = await startRelay(new URL(t.databaseUrl))
    const port = await getPort({ host: '127.0.0.1' })
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: new URL('../../', import.meta.url).pathname,
      env: { ...process.env, DATABASE_URL: relay.url, PORT: String(port), LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false', RATE_LIMIT_PER_MINUTE: '1000000' },
      stdio: 'ignore'
    })
    try {
      await until(() => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false), 'the server process')
      const body = { type: 'other', title: 'Crashed before answering', occurredAt: '2025-01-01T00:00:00.000Z', countryCodes: ['AF'] }
      relay.freeze()
      // A process just started may shed load (503) before it writes: send again until the write commits.
      let answer: Response | undefined
      const send = () => fetch(`http://127.0.0.1:${port}/v1/incidents`, {
        method: 'POST', headers: { ...t.auth(), 'content-type': 'application/json', 'idempotency-key': 'crash-1' }, body: JSON.stringify(body)
      }).then((r) => { answer = r }, () => {})
      send()
      await until(() => {
        if (answer && !relay.isFrozen()) {
          if (answer.status !== 503) throw new Error(`the server process answered ${answer.status} before its write committed`)
          answer = undefined
          send()
        }
        return relay.isFrozen()
      }, 'the write to commit')
      await until(async () => await t.app.db.incident.count({ where: { title: body.title } }) === 1, 'the committed incident')
      child.kill('SIGKILL')
      await once(child, 'exit')
      await relay.close()

      const first = await postIncident('crash-1', body)
      // Again once the claim is older than the lease of an abandoned request.
      await t.app.pool.query("UPDATE idempotency_records SET created_at = now() - interval '1 hour' WHERE key = 'crash-1'")
      const second = await postIncident('crash-1', body)
      const incidents = await t.app.db.incident.findMany({ where: { title: body.title } })
      expect(incidents).toHaveLength(1)
      expect(await t.app.db.change.count({ where: { entityId: incidents[0].id } })).toBe(1)
      for (const res of [first, second]) {
        expect(res.status).toBe(201)
        expect(res.headers['idempotent-replayed']).toBe('true')
        expect(res.body).toMatchObject({ ...body, id: incidents[0].id, version: 1 })
        expect(res.headers.location).toBe(`/v1/incidents/${incidents[0].id}`)
      }
      expect(second.body).toEqual(first.body)
    } finally {
      child.kill('SIGKILL')
      await relay.close().catch(() => {})
    }
  }, 120_000)

  it('when an import outlives the lease of an abandoned request, then a retry neither takes the key over nor imports again', async () => {
    const lease = await createTestApp({ idempotencyLeaseSeconds: 1 })
    const lines = [1, 2, 3].map((n) => JSON.stringify({ entity: 'incident', ref: `i${n}`, data: { type: 'other', title: `Long import ${n}`, occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'] } })).join('\n') + '\n'
    const importWith = () => lease.http().post('/v1/import').set(lease.auth()).set('idempotency-key', 'long-import').set('content-type', 'application/x-ndjson').send(lines)
    // The import's transaction stays open while this connection holds the change log's lock.
    const holder = new pg.Client({ connectionString: lease.databaseUrl })
    await holder.connect()
    try {
      await holder.query('SELECT pg_advisory_lock(74260001)')
      const first = importWith().then((r) => r)
      const waiting = async () => (await holder.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0].n
      await until(async () => await waiting() === 1, 'the import to wait for the change log')
      await sleep(1500)
      let retried: { status: number } | undefined
      const retry = importWith().then((r) => { retried = r; return r })
      // Answered at once, or (the bug) running the import a second time, queued behind the first.
      await until(async () => retried !== undefined || await waiting() > 1, 'the retry')
      await holder.query('SELECT pg_advisory_unlock(74260001)')
      const [done, again] = await Promise.all([first, retry])
      const incidents = await lease.app.db.incident.findMany({ where: { title: { startsWith: 'Long import' } } })
      expect(incidents).toHaveLength(3)
      expect(await lease.app.db.change.count({ where: { entityId: { in: incidents.map((i) => i.id) } } })).toBe(3)
      expect(again.status).toBe(409)
      expect(again.headers['retry-after']).toBe('1')
      expect(done.status).toBe(200)
      const replay = await importWith()
      expect(replay.status).toBe(200)
      expect(replay.headers['idempotent-replayed']).toBe('true')
      expect(replay.body).toEqual(done.body)
    } finally {
      await holder.end()
    }
  }, 120_000)

  it('when another request took the key over before the write ran, then the write is refused and writes nothing', async () => {
    const { rows: [apiKey] } = await t.app.pool.query("SELECT id FROM api_keys WHERE name = 'newsroom'")
    await t.app.pool.query(`INSERT INTO idempotency_records (api_key_id, key, method, path, request_hash, claim_id)
      VALUES ($1, 'taken-over', 'POST', '/v1/actors', 'hash', $2)`, [apiKey.id, randomUUID()])
    const stale = { apiKeyId: apiKey.id, key: 'taken-over', claimId: randomUUID(), applied: false }
    const write = new Promise((resolve, reject) => withClaim(stale, () => {
      createActorRepository(t.app.db).create(createActorSchema.parse({ name: 'Written by a stale claimant', kind: 'other' }), null).then(resolve, reject)
    }))
    await expect(write).rejects.toMatchObject({ status: 409 })
    expect(await t.app.db.actor.count({ where: { name: 'Written by a stale claimant' } })).toBe(0)
  })
})
