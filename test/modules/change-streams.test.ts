import http from 'node:http'
import { describe, expect, it } from 'vitest'
import { createKeyRepository } from '../../src/modules/keys/repository.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'
import { createActor } from '../factories/index.ts'

interface Stream {
  status: number
  headers: http.IncomingHttpHeaders
  /** the text so far (the problem body for a refused stream) */
  raw: () => string
  events: () => Array<{ id: string, data: { id: string, seq: number } }>
  /** resolves with the whole text when the server ends the stream */
  ended: Promise<string>
  close: () => void
}

async function listening (t: TestContext) {
  if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' })
  return (t.app.server.address() as { port: number }).port
}

/** Opens an event stream; resolves once the answer's head (and for a refusal, its body) has arrived. */
function open (port: number, path: string, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let raw = ''
    let done: (text: string) => void = () => {}
    const ended = new Promise<string>((resolve) => { done = resolve })
    const req = http.get({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.setEncoding('utf8')
      const stream: Stream = {
        status: res.statusCode!,
        headers: res.headers,
        raw: () => raw,
        events: () => [...raw.matchAll(/id: (\d+)\nevent: change\ndata: (.+)\n\n/g)].map((m) => ({ id: m[1], data: JSON.parse(m[2]) })),
        ended,
        close: () => req.destroy()
      }
      res.on('data', (chunk: string) => {
        raw += chunk
        if (res.statusCode === 200 && raw.startsWith(': connected')) resolve(stream)
      })
      res.on('end', () => {
        done(raw)
        if (res.statusCode !== 200) resolve(stream)
      })
    })
    req.on('error', (err) => { if (!err.message.includes('socket hang up')) reject(err) })
  })
}

const until = async (check: () => boolean, ms = 5000) => {
  const stop = Date.now() + ms
  while (!check()) {
    if (Date.now() > stop) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const logReads = async (t: TestContext) => {
  const text = (await t.http().get('/metrics')).text
  const read = (kind: string) => Number(new RegExp(`^sitrep_change_log_reads_total\\{kind="${kind}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
  return { shared: read('shared'), catchUp: read('catch_up') }
}

const expectRefused = (s: Stream, detail: RegExp) => {
  const body = JSON.parse(s.raw())
  expectMatchesSpec({ status: s.status, headers: s.headers as Record<string, string>, body, text: s.raw() }, 'GET', '/v1/changes/stream')
  expect(s.status).toBe(429)
  expect(s.headers['content-type']).toBe('application/problem+json; charset=utf-8')
  expect(Number(s.headers['retry-after'])).toBeGreaterThan(0)
  expect(body).toMatchObject({ type: '/problems/rate-limited', status: 429 })
  expect(body.detail).toMatch(detail)
}

describe('GET /v1/changes/stream: where it starts and who reads the log', () => {
  it('when a stream gives neither since nor Last-Event-ID, then it starts at the end of the log', async () => {
    const t = await createTestApp()
    const port = await listening(t)
    await createActor(t, { name: 'Written before the stream' })
    const s = await open(port, '/v1/changes/stream?entity=actor')
    const live = await createActor(t, { name: 'Written during the stream' })
    await until(() => s.events().length >= 1)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(s.events().map((e) => e.data.id)).toEqual([live.id])
    s.close()
  })

  it('when many live streams are open, then each change is read from the database once and fanned out to all of them', async () => {
    const t = await createTestApp()
    const port = await listening(t)
    await createActor(t, { name: 'Warms the reader' })
    const streams = await Promise.all(Array.from({ length: 10 }, (_, i) => open(port, `/v1/changes/stream${i % 2 ? '?entity=actor' : ''}`)))
    await new Promise((resolve) => setTimeout(resolve, 300))
    const before = await logReads(t)
    const actors = [await createActor(t, { name: 'Fanned out one' }), await createActor(t, { name: 'Fanned out two' })]
    await until(() => streams.every((s) => s.events().length >= 2))
    const after = await logReads(t)
    for (const s of streams) expect(s.events().map((e) => e.data.id)).toEqual(actors.map((a) => a.id))
    expect(after.catchUp - before.catchUp).toBe(0)
    // One read per notification (and perhaps one poll), not one per stream: 10 streams × 2 changes would be 20.
    expect(after.shared - before.shared).toBeGreaterThanOrEqual(1)
    expect(after.shared - before.shared).toBeLessThanOrEqual(4)
    for (const s of streams) s.close()
  })

  it('when a stream resumes from Last-Event-ID, then it replays on its own and then joins the shared reader', async () => {
    const t = await createTestApp()
    const port = await listening(t)
    const first = await createActor(t, { name: 'Replayed' })
    const seq = (await t.http().get('/v1/changes?entity=actor')).body.data.at(-1).seq
    const second = await createActor(t, { name: 'Replayed too' })
    const s = await open(port, '/v1/changes/stream?entity=actor', { 'last-event-id': String(seq - 1) })
    const third = await createActor(t, { name: 'Live after the replay' })
    await until(() => s.events().length >= 3)
    expect(s.events().map((e) => e.data.id)).toEqual([first.id, second.id, third.id])
    s.close()
  })

  it('when a stream claims a position past the end of the log, then it streams from now on, and so do the others', async () => {
    const t = await createTestApp()
    const port = await listening(t)
    const ahead = await open(port, '/v1/changes/stream?entity=actor', { 'last-event-id': '999999999' })
    const other = await open(port, '/v1/changes/stream?entity=actor')
    const live = await createActor(t, { name: 'After a made-up position' })
    await until(() => ahead.events().length >= 1 && other.events().length >= 1)
    expect(ahead.events().map((e) => e.data.id)).toEqual([live.id])
    expect(other.events().map((e) => e.data.id)).toEqual([live.id])
    ahead.close()
    other.close()
  })
})

describe('GET /v1/changes/stream: limits', () => {
  it('when a client address, a key or the server has as many streams open as allowed, then the next is 429 problem+json with Retry-After', async () => {
    const t = await createTestApp({ trustProxy: ['127.0.0.1'], streams: { perAddress: 2, perKey: 1, total: 4 } })
    const port = await listening(t)
    const from = (address: string, headers: Record<string, string> = {}) => open(port, '/v1/changes/stream', { 'x-forwarded-for': address, ...headers })
    const a1 = await from('203.0.113.1')
    await from('203.0.113.1')
    expectRefused(await from('203.0.113.1'), /^This client address has 2 event streams open, its limit/)
    const key = { authorization: `Bearer ${t.keys.read}` }
    expect((await from('203.0.113.2', key)).status).toBe(200)
    expectRefused(await from('203.0.113.3', key), /^The API key "reader" has 1 event streams open, its limit/)
    expect((await from('203.0.113.4')).status).toBe(200)
    expectRefused(await from('203.0.113.5'), /^This server has 4 event streams open, its limit/)
    // A closed stream gives its slot back.
    a1.close()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect((await from('203.0.113.1')).status).toBe(200)
  })

  it('when a stream reaches its maximum lifetime, then the server ends it, telling the client to reconnect', async () => {
    const t = await createTestApp({ streams: { maxLifetimeMs: 400 } })
    const s = await open(await listening(t), '/v1/changes/stream')
    const opened = Date.now()
    expect(await s.ended).toContain(': the stream reached its maximum lifetime; reconnect with Last-Event-ID')
    expect(Date.now() - opened).toBeLessThan(3000)
  })

  it('when the key a stream was opened with is revoked, then the stream ends at once', async () => {
    const t = await createTestApp()
    const port = await listening(t)
    const key = await createKeyRepository(t.app.db).create('short-lived', ['read'])
    const s = await open(port, '/v1/changes/stream', { authorization: `Bearer ${key.secret}` })
    const anonymous = await open(port, '/v1/changes/stream')
    const revoking = Date.now()
    await t.http().delete(`/v1/keys/${key.id}`).set(t.auth('admin')).expect(204)
    expect(await s.ended).toContain(': the API key was revoked')
    expect(Date.now() - revoking).toBeLessThan(2000)
    const live = await createActor(t, { name: 'Still streamed to the others' })
    await until(() => anonymous.events().some((e) => e.data.id === live.id))
    anonymous.close()
  })
})
