import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

let t: TestContext
let port: number
beforeAll(async () => {
  t = await createTestApp({ importsTotal: 1 })
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  port = (t.app.server.address() as AddressInfo).port
})

const line = (name: string) => `${JSON.stringify({ entity: 'actor', data: { name, kind: 'other' } })}\n`

/** An import whose body is sent in part: it holds its slot until `finish` or `abort`. */
async function heldImport (name: string) {
  const body = line(name)
  let answered: Promise<{ status: number, text: string }> = Promise.resolve({ status: 0, text: '' })
  const req: ClientRequest = httpRequest({
    port,
    host: '127.0.0.1',
    method: 'POST',
    path: '/v1/import',
    headers: { ...t.auth(), 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(body) }
  })
  answered = new Promise((resolve) => {
    req.on('response', (res: IncomingMessage) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', () => resolve({ status: 0, text: '' }))
  })
  req.write(body.slice(0, 5))
  // The slot is taken once the headers are in and authentication passed, before the body is read.
  await sleep(300)
  return {
    finish: () => { req.end(body.slice(5)); return answered },
    abort: () => { req.destroy() }
  }
}

const importNow = (name: string) => t.http().post('/v1/import').set(t.auth()).type('application/x-ndjson').send(line(name))

describe('POST /v1/import: imports at once are capped (IMPORTS_TOTAL)', () => {
  it('when as many imports run as allowed, then the next is 429 problem+json with Retry-After; once one ends, imports are taken again', async () => {
    const first = await heldImport('Held import')
    const refused = await importNow('Refused import')
    expect(refused.status).toBe(429)
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(refused.headers['retry-after']).toBe('5')
    expect(refused.body.detail).toMatch(/1 imports open/)
    expectMatchesSpec(refused, 'POST', '/v1/import')

    expect((await first.finish()).status).toBe(200)
    expect((await importNow('Taken after')).status).toBe(200)
    const { rows } = await t.app.pool.query("SELECT name FROM actors WHERE name IN ('Held import', 'Refused import', 'Taken after') ORDER BY name")
    expect(rows.map((r) => r.name)).toEqual(['Held import', 'Taken after'])
  })

  it('when a client drops its import halfway, then its slot is given back', async () => {
    const dropped = await heldImport('Dropped import')
    expect((await importNow('While held')).status).toBe(429)
    dropped.abort()
    await sleep(200)
    expect((await importNow('After the drop')).status).toBe(200)
  })
})
