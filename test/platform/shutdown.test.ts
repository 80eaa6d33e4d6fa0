import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import { connect } from 'node:net'
import getPort from 'get-port'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'

// `npm start` as a real process: SIGTERM must drain, not drop, what is in flight.
const root = new URL('../../', import.meta.url).pathname
let t: TestContext
let child: ChildProcess
let port: number
let output = ''

beforeAll(async () => {
  t = await createTestApp()
  port = await getPort({ host: '127.0.0.1' })
  child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: t.databaseUrl, PORT: String(port), DEMO_DATA: 'false', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '100000' },
    stdio: 'pipe'
  })
  child.stdout!.on('data', (d) => { output += d })
  child.stderr!.on('data', (d) => { output += d })
  for (let i = 0; i < 150; i++) {
    if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) return
    await sleep(100)
  }
  throw new Error(`server did not become ready: ${output}`)
}, 60_000)

afterAll(() => {
  agent.destroy()
  if (child.exitCode === null) child.kill('SIGKILL')
})

// Keep-alive clients, as browsers and HTTP libraries are: their connections outlive each response.
const agent = new http.Agent({ keepAlive: true })

interface Upload { finish: () => void, response: Promise<{ status: number, connection?: string, body: string }> }

/** A POST whose headers and first half of the body are sent now, the rest on finish(): in flight until then. */
function startUpload (path: string, type: string, body: string): Upload {
  const half = Math.floor(body.length / 2)
  const req = http.request({
    host: '127.0.0.1',
    port,
    path,
    method: 'POST',
    agent,
    headers: { ...t.auth('write'), 'content-type': type, 'content-length': Buffer.byteLength(body) }
  })
  const response = new Promise<{ status: number, connection?: string, body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: text }))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
  req.write(body.slice(0, half))
  return { finish: () => req.end(body.slice(half)), response }
}

/** An SSE client that records how the stream ended. */
function openStream () {
  const state = { text: '', ended: false, aborted: false, error: null as Error | null }
  const connected = new Promise<void>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/changes/stream', agent }, (res) => {
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        state.text += chunk
        if (state.text.includes(': connected')) resolve()
      })
      res.on('end', () => { state.ended = true })
      res.on('aborted', () => { state.aborted = true })
      res.on('error', (err) => { state.error = err })
    })
    req.on('error', (err) => { state.error = err; reject(err) })
  })
  return { state, connected }
}

const refused = () => new Promise<boolean>((resolve) => {
  const socket = connect(port, '127.0.0.1')
  socket.once('connect', () => { socket.destroy(); resolve(false) })
  socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'))
})

describe('npm start, on SIGTERM', () => {
  it('finishes requests in flight, refuses new connections, ends event streams cleanly and exits 0 within 10 s', async () => {
    const stream = openStream()
    await stream.connected
    const lines = Array.from({ length: 20 }, (_, i) => JSON.stringify({ entity: 'actor', ref: `a${i}`, data: { name: `Drained import ${i}`, kind: 'other' } }))
    const uploads = [
      startUpload('/v1/import', 'application/x-ndjson', lines.join('\n')),
      startUpload('/v1/actors', 'application/json', JSON.stringify({ name: 'Drained actor', kind: 'other', description: 'x'.repeat(2000) }))
    ]
    // Let the server accept both connections and start on the requests.
    await sleep(500)

    const signalledAt = Date.now()
    child.kill('SIGTERM')
    let closed = false
    for (let i = 0; i < 100 && !closed; i++) {
      closed = await refused()
      if (!closed) await sleep(50)
    }
    expect(closed, `new connections are refused after SIGTERM\n${output}`).toBe(true)
    expect(child.exitCode, 'the process waits for the requests in flight').toBeNull()

    const refusedMs = Date.now() - signalledAt
    for (const u of uploads) u.finish()
    const [imported, actor] = await Promise.all(uploads.map((u) => u.response))
    expect(imported.status, imported.body).toBe(200)
    expect(JSON.parse(imported.body).created.actor).toBe(20)
    expect(actor.status, actor.body).toBe(201)
    expect([imported.connection, actor.connection], 'answers sent while draining close their connection').toEqual(['close', 'close'])
    const id = JSON.parse(actor.body).id as string

    const drainedAt = Date.now()
    const [code, signal] = await once(child, 'exit') as [number | null, string | null]
    console.log(`[shutdown] after SIGTERM: new connections refused at ${refusedMs} ms, requests in flight answered at ` +
      `${drainedAt - signalledAt} ms, exit ${code} at ${Date.now() - signalledAt} ms`)
    expect({ code, signal }, output).toEqual({ code: 0, signal: null })
    // How long the requests in flight take is up to them (and the machine); once they are done, exit is prompt.
    expect(Date.now() - drainedAt).toBeLessThan(10_000)

    expect(stream.state.ended, 'the event stream ended').toBe(true)
    expect(stream.state.aborted || stream.state.error !== null, 'the event stream was not reset').toBe(false)
    expect(stream.state.text, 'the stream ends on a whole event').toMatch(/\n\n$/)

    // What was acknowledged during the drain was committed.
    expect((await t.http().get(`/v1/actors/${id}`)).status).toBe(200)
    const list = await t.http().get('/v1/actors?q=Drained import&includeTotal=true')
    expect(list.body.page.total).toBe(20)
  }, 30_000)
})
