import http from 'node:http'
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

/** Reads SSE events from a running server until `count` change events arrived. */
function readEvents (port: number, path: string, headers: Record<string, string>, count: number): Promise<{ events: Array<{ id: string, data: any }>, raw: string }> {
  return new Promise((resolve, reject) => {
    let raw = ''
    const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8')
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        raw += chunk
        const events = [...raw.matchAll(/id: (\d+)\nevent: change\ndata: (.+)\n\n/g)].map((m) => ({ id: m[1], data: JSON.parse(m[2]) }))
        if (events.length >= count) {
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
    const reading = readEvents(port, '/v1/changes/stream?entity=actor', { 'last-event-id': String(before) }, 2)
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
    const ended = new Promise<string>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/v1/changes/stream' }, (res) => {
        let raw = ''
        res.on('data', (c) => { raw += c })
        res.on('end', () => resolve(raw))
      })
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const closing = Date.now()
    await other.close()
    expect(await ended).toContain(': server shutting down')
    expect(Date.now() - closing).toBeLessThan(3000)
  })
})
