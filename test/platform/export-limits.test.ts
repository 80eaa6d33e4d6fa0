import http from 'node:http'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

let t: TestContext
let port: number
beforeAll(async () => {
  t = await createTestApp({ trustProxy: ['127.0.0.1'], exports: { perClient: 1, total: 2 } })
  // About 5 MB of NDJSON: more than the socket buffers hold, so an export whose client stops reading stays open.
  const summary = 'x'.repeat(9000)
  const lines = Array.from({ length: 600 }, (_, i) =>
    JSON.stringify({ entity: 'incident', data: { type: 'other', title: `Exported ${i}`, summary, occurredAt: '2025-01-01T00:00:00Z', countryCodes: ['AF'] } }))
  await t.http().post('/v1/import').set(t.auth()).set('content-type', 'application/x-ndjson').send(lines.join('\n')).expect(200)
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  port = (t.app.server.address() as { port: number }).port
}, 60_000)

interface Export { status: number, headers: http.IncomingHttpHeaders, body: Promise<string>, stop: () => void }

/** Starts an export and stops reading after its first bytes (or reads a refusal in full). */
function startExport (client: string, headers: Record<string, string> = {}): Promise<Export> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/v1/incidents?format=ndjson', headers: { 'x-forwarded-for': client, ...headers } }, (res) => {
      let text = ''
      const body = new Promise<string>((resolve) => res.on('end', () => resolve(text)))
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
        if (res.statusCode === 200) res.pause()
      })
      resolve({ status: res.statusCode!, headers: res.headers, body, stop: () => req.destroy() })
    })
    req.on('error', (err) => { if (!err.message.includes('socket hang up')) reject(err) })
  })
}

const expectRefused = async (e: Export, detail: RegExp) => {
  const text = await e.body
  const body = JSON.parse(text)
  expectMatchesSpec({ status: e.status, headers: e.headers as Record<string, string>, body, text }, 'GET', '/v1/incidents')
  expect(e.status).toBe(429)
  expect(e.headers['content-type']).toBe('application/problem+json; charset=utf-8')
  expect(Number(e.headers['retry-after'])).toBeGreaterThan(0)
  expect(body.detail).toMatch(detail)
}

describe('concurrent streaming exports', () => {
  it('when a client or the server runs as many exports as allowed, then the next is 429 problem+json with Retry-After; a finished one frees its slot', async () => {
    const first = await startExport('203.0.113.1')
    expect(first.status).toBe(200)
    await expectRefused(await startExport('203.0.113.1'), /^This client address has 1 streaming exports open, its limit/)
    const keyed = await startExport('203.0.113.2', t.auth('read'))
    expect(keyed.status).toBe(200)
    await expectRefused(await startExport('203.0.113.3'), /^This server has 2 streaming exports open, its limit/)
    // JSON pages are no exports and stay available.
    expect((await t.http().get('/v1/incidents?limit=1').set('x-forwarded-for', '203.0.113.1')).status).toBe(200)
    first.stop()
    keyed.stop()
    await new Promise((resolve) => setTimeout(resolve, 300))
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/incidents?format=csv&limit=1', headers: { 'x-forwarded-for': '203.0.113.4' } })
      expect(res.statusCode).toBe(200)
    }
  }, 30_000)
})
