import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'

// Two real API processes on one PostgreSQL: nothing that must be shared may live in process memory.
let t: TestContext
const servers: Array<{ child: ChildProcess, base: string, port: number }> = []
const root = new URL('../../', import.meta.url).pathname

const freePort = () => new Promise<number>((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address() as { port: number }
    srv.close(() => resolve(port))
  })
})

async function startServer () {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: t.databaseUrl, PORT: String(port), DEMO_DATA: 'false', LOG_LEVEL: 'warn' },
    stdio: 'ignore'
  })
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 150; i++) {
    if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) return { child, base, port }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('server did not become ready')
}

beforeAll(async () => {
  t = await createTestApp()
  servers.push(...await Promise.all([startServer(), startServer()]))
}, 60_000)

afterAll(async () => {
  for (const s of servers) s.child.kill('SIGTERM')
})

describe('two API processes, one database', () => {
  it('a write through one appears on the other\'s live stream', async () => {
    const [a, b] = servers
    // Stream from the current end of the log, so only a live change can arrive.
    const log = await (await fetch(`${b.base}/v1/changes?limit=1000`)).json() as { data: Array<{ seq: number }> }
    const since = log.data.at(-1)?.seq ?? 0
    const received = new Promise<string>((resolve, reject) => {
      let raw = ''
      const req = http.get({ host: '127.0.0.1', port: b.port, path: `/v1/changes/stream?entity=actor&since=${since}` }, (res) => {
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          raw += chunk
          if (raw.includes('event: change')) {
            req.destroy()
            resolve(raw)
          }
        })
      })
      req.on('error', () => {})
      setTimeout(() => reject(new Error(`no event; got: ${raw}`)), 15_000)
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const created = await fetch(`${a.base}/v1/actors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.write}` },
      body: JSON.stringify({ name: 'Written on A', kind: 'other' })
    })
    expect(created.status).toBe(201)
    const actor = await created.json() as { id: string }
    expect(await received).toContain(actor.id)
  }, 30_000)

  it('an Idempotency-Key replayed against the other returns the first response', async () => {
    const [a, b] = servers
    const send = (base: string) => fetch(`${base}/v1/actors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.write}`, 'idempotency-key': 'two-instances-1' },
      body: JSON.stringify({ name: 'Created once', kind: 'other' })
    })
    const first = await send(a.base)
    const second = await send(b.base)
    expect(first.status, await first.clone().text()).toBe(201)
    expect(second.status, await second.clone().text()).toBe(201)
    expect(second.status).toBe(201)
    expect(second.headers.get('idempotent-replayed')).toBe('true')
    expect(await second.json()).toEqual(await first.json())
  })
})
