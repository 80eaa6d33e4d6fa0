import getPort from 'get-port'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ReplicaSet } from '../../src/db/replicas.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { asOwner, createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { createActor } from '../factories/index.ts'

// Routing on two real databases: the "replica" is a second database cloned from the same template,
// so what a read finds tells which one served it (the slow tier has a real streaming standby:
// test/db/replicas-streaming.test.ts).
let replica: TestDatabase
let t: TestContext

/** appends n entries to the replica's change log, as replaying the primary's would */
const replay = (n: number) => asOwner(replica.ownerUrl,
  `INSERT INTO changes (entity, entity_id, action, version, after) SELECT 'actor', gen_random_uuid(), 'created', 1, '{}' FROM generate_series(1, ${n})`)

async function position (url: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return BigInt((await client.query('SELECT coalesce(max(seq), 0)::text AS seq FROM changes')).rows[0].seq)
  } finally {
    await client.end()
  }
}

async function until (what: string, ok: () => boolean) {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 25))
  if (!ok()) throw new Error(`timed out waiting until ${what}`)
}

beforeAll(async () => {
  replica = await createTestDatabase()
  // No stored answers, so every read is routed (ETags and the position they name stay on).
  t = await createTestApp({ readUrls: [replica.url], replicas: { checkIntervalMs: 50, maxLagSeconds: 3600 }, httpCache: { maxBytes: 0 } })
})
afterAll(async () => { await replica.drop() })

describe('Sitrep-Seq and Sitrep-Min-Seq', () => {
  it('a write answers the change-log position it reached; a GET reads the replica only once it shows the position its answer is tagged with', async () => {
    const res = await t.http().post('/v1/actors').set(t.auth()).send({ name: 'Coast Guard', kind: 'other' })
    expect(res.status).toBe(201)
    const seq = await position(t.databaseUrl)
    expect(BigInt(res.headers['sitrep-seq'])).toBe(seq)
    // The replica is behind: the primary answers, and finds the actor.
    expect((await t.http().get(`/v1/actors/${res.body.id}`)).status).toBe(200)
    await replay(Number(seq - await position(replica.url)))
    // Caught up: the replica answers (it has no such actor: it is the replica that answered).
    expect((await t.http().get(`/v1/actors/${res.body.id}`)).status).toBe(404)
    expect((await t.http().get('/v1/actors')).body.data.map((a: { id: string }) => a.id)).not.toContain(res.body.id)
  })

  it('a GET with Sitrep-Min-Seq reads the primary until the replica shows that position, then the replica', async () => {
    const res = await t.http().post('/v1/actors').set(t.auth()).send({ name: 'Port Authority', kind: 'other' })
    const seq = BigInt(res.headers['sitrep-seq'])
    expect((await t.http().get(`/v1/actors/${res.body.id}`).set('sitrep-min-seq', String(seq))).status).toBe(200)
    await replay(Number(seq - await position(replica.url)))
    // Caught up to seq: the replica serves it (and it has no such actor: it is the replica that answered).
    expect((await t.http().get(`/v1/actors/${res.body.id}`).set('sitrep-min-seq', String(seq))).status).toBe(404)
    expect((await t.http().get(`/v1/actors/${res.body.id}`).set('sitrep-min-seq', String(seq + 1n))).status).toBe(200)
  })

  it('every successful write answers Sitrep-Seq, including one that records no change; reads do not', async () => {
    const actor = await createActor(t)
    const key = await t.http().post('/v1/keys').set(t.auth('admin')).send({ name: 'desk', scopes: ['read'] })
    expect(key.status).toBe(201)
    expect(BigInt(key.headers['sitrep-seq'])).toBe(await position(t.databaseUrl))
    const deleted = await t.http().delete(`/v1/actors/${actor.id}`).set(t.auth())
    expect(deleted.status).toBe(204)
    expect(BigInt(deleted.headers['sitrep-seq'])).toBe(await position(t.databaseUrl))
    expect((await t.http().get('/v1/actors')).headers['sitrep-seq']).toBeUndefined()
    const refused = await t.http().post('/v1/actors').set(t.auth()).send({ name: '' })
    expect(refused.status).toBe(400)
    expect(refused.headers['sitrep-seq']).toBeUndefined()
  })

  it('a Sitrep-Min-Seq that is not a position is a 400 problem', async () => {
    for (const bad of ['abc', '-1', '1.5', '9'.repeat(19)]) {
      const res = await t.http().get('/v1/actors').set('sitrep-min-seq', bad)
      expect(res.status, bad).toBe(400)
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
      expect(res.body.detail).toMatch(/sitrep-min-seq/)
    }
  })

  it('reads inside writes use the primary', async () => {
    // The answer of a create is read back after the write: from the primary, or it would be a 404 here.
    const incident = await t.http().post('/v1/incidents').set(t.auth()).send({ type: 'other', title: 'Flood', occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'] })
    expect(incident.status).toBe(201)
    const patched = await t.http().patch(`/v1/incidents/${incident.body.id}`).set(t.auth()).send({ title: 'Flash flood' })
    expect(patched.status).toBe(200)
    expect(patched.body.title).toBe('Flash flood')
  })
})

describe('replica health', () => {
  it('reads the primary when no replica is usable', async () => {
    const set = new ReplicaSet(t.app.pool, [`postgresql://nobody@127.0.0.1:${await getPort()}/nothing`], { checkTimeoutMs: 1000 })
    try {
      await set.start()
      expect(set.replicas[0].state).toBe('down')
      expect(await set.pick(0n)).toEqual({ replica: null, reason: 'no-replica' })
    } finally {
      await set.stop()
    }
  })

  it('picks the usable replicas round robin, skipping one that is down', async () => {
    const set = new ReplicaSet(t.app.pool, [replica.url, `postgresql://nobody@127.0.0.1:${await getPort()}/nothing`, t.databaseUrl], { checkTimeoutMs: 1000 })
    try {
      await set.start()
      expect(set.replicas.map((r) => r.state)).toEqual(['up', 'down', 'up'])
      const picks = []
      for (let i = 0; i < 4; i++) picks.push((await set.pick(0n)).replica?.name)
      expect(new Set(picks).size).toBe(2)
      expect(picks[0]).not.toBe(picks[1])
      expect(picks[2]).toBe(picks[0])
      expect(picks).not.toContain(set.replicas[1].name)
    } finally {
      await set.stop()
    }
  })

  it('skips a replica whose change log stays behind the primary\'s past the bound, and takes it back once caught up', async () => {
    await createActor(t)
    const set = new ReplicaSet(t.app.pool, [replica.url], { maxLagSeconds: 0.05, checkIntervalMs: 20 })
    try {
      await set.start()
      await until('the replica is lagging', () => set.replicas[0].state === 'lagging')
      expect(await set.pick(0n)).toEqual({ replica: null, reason: 'no-replica' })
      await replay(Number(await position(t.databaseUrl) - await position(replica.url)))
      await until('the replica is up', () => set.replicas[0].state === 'up')
      expect((await set.pick(0n)).replica?.name).toBe(set.replicas[0].name)
    } finally {
      await set.stop()
    }
  })
})
