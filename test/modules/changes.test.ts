import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor, createIncident } from '../factories/index.ts'

let t: TestContext
beforeAll(async () => {
  t = await createTestApp({ heartbeatMs: 200 })
})

const get = async (url: string) => {
  const res = await t.http().get(url)
  expectMatchesSpec(res, 'GET', url)
  return res
}

describe('GET /v1/changes', () => {
  it('lists every write in seq order, deletions included, and pages with since and the cursor', async () => {
    const start = (await get('/v1/changes?limit=1000')).body.data.at(-1)?.seq ?? 0
    const actor = await createActor(t, { name: 'Mirrored actor' })
    await t.http().patch(`/v1/actors/${actor.id}`).set(t.auth()).send({ description: 'v2' }).expect(200)
    await t.http().delete(`/v1/actors/${actor.id}`).set(t.auth()).expect(204)
    const res = await get(`/v1/changes?since=${start}`)
    expect(res.body.data.map((c: any) => [c.entity, c.id, c.action, c.version])).toEqual([
      ['actor', actor.id, 'created', 1], ['actor', actor.id, 'updated', 2], ['actor', actor.id, 'deleted', 3]
    ])
    const seqs = res.body.data.map((c: { seq: number }) => c.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    const page1 = await get(`/v1/changes?since=${start}&limit=2`)
    expect(page1.body.data).toHaveLength(2)
    const page2 = await get(`/v1/changes?limit=2&cursor=${page1.body.page.nextCursor}`)
    expect(page2.body.data.map((c: { seq: number }) => c.seq)).toEqual([seqs[2]])
    expect((await get(`/v1/changes?since=${start}&entity=incident`)).body.data).toEqual([])
  })
})

describe('revisions and asOf', () => {
  it('GET /v1/actors/{id}/revisions gives each change with before, after and, to a write key, the key name', async () => {
    const actor = await createActor(t, { name: 'Revised actor' })
    await t.http().patch(`/v1/actors/${actor.id}`).set(t.auth()).send({ title: 'Spokesman' }).expect(200)
    const res = await t.http().get(`/v1/actors/${actor.id}/revisions`).set(t.auth('write'))
    expectMatchesSpec(res, 'GET', `/v1/actors/${actor.id}/revisions`)
    expect(res.body.data.map((r: any) => [r.action, r.version, r.by, r.before?.title ?? null, r.after?.title ?? null])).toEqual([
      ['created', 1, 'newsroom', null, null], ['updated', 2, 'newsroom', null, 'Spokesman']
    ])
    expect((await get('/v1/actors/0199c9a8-0000-7000-8000-00000000000f/revisions')).status).toBe(404)
  })

  it('when revisions are read without a key or with a read key, then they do not name the writing key; admin sees it', async () => {
    const incident = await createIncident(t, { title: 'Who wrote this' })
    const url = `/v1/incidents/${incident.id}/revisions`
    for (const headers of [{}, t.auth('read')]) {
      const res = await t.http().get(url).set(headers)
      expectMatchesSpec(res, 'GET', url)
      expect(res.body.data).toHaveLength(1)
      expect(res.body.data[0]).not.toHaveProperty('by')
      expect(res.text).not.toContain('newsroom')
    }
    const admin = await t.http().get(url).set(t.auth('admin'))
    expect(admin.body.data[0].by).toBe('newsroom')
  })

  it('asOf returns the record as it stood then, and 404 before it existed or after it was deleted', async () => {
    const incident = await createIncident(t, { title: 'First version' })
    await new Promise((resolve) => setTimeout(resolve, 20))
    const between = new Date().toISOString()
    await new Promise((resolve) => setTimeout(resolve, 20))
    await t.http().patch(`/v1/incidents/${incident.id}`).set(t.auth()).send({ title: 'Second version' }).expect(200)
    expect((await get(`/v1/incidents/${incident.id}?asOf=${between}`)).body).toMatchObject({ title: 'First version', version: 1 })
    expect((await get(`/v1/incidents/${incident.id}`)).body.title).toBe('Second version')
    expect((await get(`/v1/incidents/${incident.id}?asOf=2000-01-01`)).status).toBe(404)
    expect((await get(`/v1/incidents/${incident.id}?asOf=${between}&include=actors`)).status).toBe(400)
  })
})

describe('asOf and commit order', () => {
  it('when a write that started first commits last, then asOf gives the state the change log gives', async () => {
    const early = await createIncident(t, { title: 'Started first' })
    const late = await createIncident(t, { title: 'Started last' })
    // This connection holds the first incident's row, so its PATCH starts its transaction and waits.
    const holder = new pg.Client({ connectionString: t.databaseUrl })
    await holder.connect()
    try {
      await holder.query('BEGIN')
      await holder.query('SELECT 1 FROM incidents WHERE id = $1 FOR UPDATE', [early.id])
      const slow = t.http().patch(`/v1/incidents/${early.id}`).set(t.auth()).send({ title: 'Started first, committed last' }).then((r) => r)
      for (let waited = 0; (await holder.query('SELECT 1 FROM pg_locks WHERE NOT granted')).rowCount === 0; waited += 20) {
        if (waited > 10_000) throw new Error('the PATCH never waited for the row')
        await sleep(20)
      }
      await sleep(50)
      await t.http().patch(`/v1/incidents/${late.id}`).set(t.auth()).send({ title: 'Started last, committed first' }).expect(200)
      await holder.query('COMMIT')
      expect((await slow).status).toBe(200)
    } finally {
      await holder.end()
    }
    const log = await t.app.db.change.findMany({ where: { entityId: { in: [early.id, late.id] }, action: 'updated' }, orderBy: { seq: 'asc' } })
    expect(log.map((c) => c.entityId)).toEqual([late.id, early.id])
    expect(log[0].at.getTime()).toBeLessThanOrEqual(log[1].at.getTime())
    // Just before the first update in the log, the log holds neither update.
    const before = new Date(log[0].at.getTime() - 1).toISOString()
    expect((await get(`/v1/incidents/${early.id}?asOf=${before}`)).body).toMatchObject({ title: 'Started first', version: 1 })
    expect((await get(`/v1/incidents/${late.id}?asOf=${before}`)).body).toMatchObject({ title: 'Started last', version: 1 })
    expect((await get(`/v1/incidents/${early.id}?asOf=${log[1].at.toISOString()}`)).body).toMatchObject({ title: 'Started first, committed last', version: 2 })
  })

  it('when a transaction writes many changes, then they share one at, so asOf never shows half of it', async () => {
    const lines = [1, 2, 3].map((n) => JSON.stringify({ entity: 'incident', ref: `i${n}`, data: { type: 'other', title: `One moment ${n}`, occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'] } }))
    const res = await t.http().post('/v1/import').set(t.auth()).set('content-type', 'application/x-ndjson').send(lines.join('\n') + '\n')
    expect(res.status).toBe(200)
    const log = await t.app.db.change.findMany({ where: { entityId: { in: Object.values(res.body.refs as Record<string, string>) } } })
    expect(log).toHaveLength(3)
    expect(new Set(log.map((c) => c.at.getTime())).size).toBe(1)
  })
})

/**
 * Reads SSE events from a running server until `count` change events and, when asked, a heartbeat
 * arrived: on a loaded machine the stream may open late, after both changes were written.
 */
function readEvents (port: number, path: string, headers: Record<string, string>, count: number,
  untilHeartbeat = false): Promise<{ events: Array<{ id: string, data: any }>, raw: string }> {
  return new Promise((resolve, reject) => {
    let raw = ''
    const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8')
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        raw += chunk
        const events = [...raw.matchAll(/id: (\d+)\nevent: change\ndata: (.+)\n\n/g)].map((m) => ({ id: m[1], data: JSON.parse(m[2]) }))
        if (events.length >= count && (!untilHeartbeat || raw.includes(': heartbeat'))) {
          req.destroy()
          resolve({ events, raw })
        }
      })
    })
    req.on('error', (err) => { if (!err.message.includes('socket hang up')) reject(err) })
    setTimeout(() => { req.destroy(); reject(new Error(`timed out; got: ${raw}`)) }, 10_000)
  })
}

describe('GET /v1/changes/stream', () => {
  it('replays from Last-Event-ID, then streams new changes live, with heartbeats', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = t.app.server.address() as { port: number }
    const before = (await get('/v1/changes?limit=1000')).body.data.at(-1).seq
    const replayed = await createActor(t, { name: 'Before the stream' })
    const reading = readEvents(port, '/v1/changes/stream?entity=actor', { 'last-event-id': String(before) }, 2, true)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const live = await createActor(t, { name: 'During the stream' })
    const { events, raw } = await reading
    expect(events.map((e) => e.data.id)).toEqual([replayed.id, live.id])
    expect(Number(events[0].id)).toBeGreaterThan(before)
    expect(raw).toContain(': heartbeat')
  })

  it('ends open streams when the server shuts down', async () => {
    const other = await buildApp({ databaseUrl: t.databaseUrl, logger: false, rateLimitPerMinute: 1_000_000 })
    await other.listen({ port: 0, host: '127.0.0.1' })
    const { port } = other.server.address() as { port: number }
    let opened!: () => void
    const open = new Promise<void>((resolve) => { opened = resolve })
    const ended = new Promise<string>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/v1/changes/stream' }, (res) => {
        let raw = ''
        res.on('data', (c) => { raw += c; opened() })
        res.on('end', () => resolve(raw))
      })
    })
    // Close once the stream is open (its first bytes came), not after a guess at how long that takes.
    await open
    const closing = Date.now()
    await other.close()
    expect(await ended).toContain(': server shutting down')
    expect(Date.now() - closing).toBeLessThan(3000)
  })
})
