import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { defaultLimits } from '../../src/http/limits.ts'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { parseResponse, rawExchange } from '../helpers/raw-http.ts'
import { expectMatchesSpec } from '../helpers/spec.ts'

let t: TestContext

beforeAll(async () => {
  t = await createTestApp()
  await t.app.listen({ port: 0, host: '127.0.0.1' })
})

const port = () => (t.app.server.address() as { port: number }).port

/** A JSON body of exactly `bytes` bytes: the record, then spaces (JSON whitespace) up to the size. */
function jsonOfSize (record: object, bytes: number) {
  const json = JSON.stringify(record)
  return json.slice(0, -1) + ' '.repeat(bytes - json.length) + '}'
}

function expectProblem (res: { status: number, headers: Record<string, string>, body: any }, status: number, type: string) {
  expect(res.status).toBe(status)
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
  expect(res.body).toMatchObject({ type: `/problems/${type}`, status })
}

describe('body limits', () => {
  const post = (body: string) => t.http().post('/v1/actors').set(t.auth()).type('application/json').send(body)

  it('when a JSON body is exactly 1 MiB, then it is accepted; one byte more is 413 problem+json', async () => {
    const exact = jsonOfSize({ name: 'Exactly one mebibyte', kind: 'other' }, defaultLimits.bodyBytes)
    expect(Buffer.byteLength(exact)).toBe(1024 * 1024)
    expect((await post(exact)).status).toBe(201)
    const over = await post(jsonOfSize({ name: 'One byte over', kind: 'other' }, defaultLimits.bodyBytes + 1))
    expectMatchesSpec(over, 'POST', '/v1/actors')
    expectProblem(over, 413, 'payload-too-large')
  })

  it('when an import body is exactly 64 MiB, then it is accepted; one byte more is 413 problem+json', async () => {
    const line = (name: string) => jsonOfSize({ entity: 'actor', data: { name, kind: 'other' } }, defaultLimits.importBodyBytes)
    expect(Buffer.byteLength(line('Imported at the limit'))).toBe(64 * 1024 * 1024)
    const ndjson = (body: string) => t.http().post('/v1/import?dryRun=true').set(t.auth()).type('application/x-ndjson').send(body)
    const exact = await ndjson(line('Imported at the limit'))
    expect(exact.status, exact.text.slice(0, 300)).toBe(200)
    expect(exact.body.created.actor).toBe(1)
    const over = await ndjson(`${line('Imported over the limit')} `)
    expectMatchesSpec(over, 'POST', '/v1/import')
    expectProblem(over, 413, 'payload-too-large')
  }, 60_000)

  it('when the limits are configured, then each route enforces its own', async () => {
    const small = await createTestApp({ limits: { bodyBytes: 2048, importBodyBytes: 4096 } })
    const send = (path: string, type: string, body: string) => small.http().post(path).set(small.auth()).type(type).send(body)
    expect((await send('/v1/actors', 'application/json', jsonOfSize({ name: 'Small', kind: 'other' }, 2048))).status).toBe(201)
    expectProblem(await send('/v1/actors', 'application/json', jsonOfSize({ name: 'Small+1', kind: 'other' }, 2049)), 413, 'payload-too-large')
    const line = (bytes: number) => jsonOfSize({ entity: 'actor', data: { name: `Import ${bytes}`, kind: 'other' } }, bytes)
    expect((await send('/v1/import', 'application/x-ndjson', line(4096))).status).toBe(200)
    expectProblem(await send('/v1/import', 'application/x-ndjson', line(4097)), 413, 'payload-too-large')
  })
})

describe('page size', () => {
  // Every list operation, with its documented maximum `limit`, straight from the committed spec.
  const spec = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'))
  const lists = Object.entries<any>(spec.paths)
    .filter(([path, ops]) => !path.includes('{') && ops.get?.parameters?.some((p: any) => p.name === 'limit'))
    .map(([path, ops]) => [path, ops.get.parameters.find((p: any) => p.name === 'limit').schema.maximum as number] as const)

  it('covers the list operations', () => {
    expect(lists.map(([path]) => path)).toEqual(expect.arrayContaining(['/v1/actors', '/v1/incidents', '/v1/statements', '/v1/timeline', '/v1/changes']))
  })

  it.each(lists)('%s: limit=max is served, max+1 is a 400 naming limit', async (path, max) => {
    expect(max).toBeGreaterThan(0)
    expect((await t.http().get(`${path}?limit=${max}`).set(t.auth('admin'))).status).toBe(200)
    const over = await t.http().get(`${path}?limit=${max + 1}`).set(t.auth('admin'))
    expectMatchesSpec(over, 'GET', path)
    expectProblem(over, 400, 'validation')
    expect(over.body.errors).toEqual([expect.objectContaining({ in: 'query', path: 'limit' })])
  })
})

describe('request target length', () => {
  const target = (length: number) => {
    const base = '/v1/incidents?tag='
    return base + 'x'.repeat(length - base.length)
  }

  it('when the path and query are 8192 characters, then the request is served; one more is 414 problem+json', async () => {
    const exact = await t.http().get(target(defaultLimits.urlLength))
    expect(exact.status, exact.text.slice(0, 300)).not.toBe(414)
    const over = await t.http().get(target(defaultLimits.urlLength + 1))
    expectMatchesSpec(over, 'GET', '/v1/incidents')
    expectProblem(over, 414, 'uri-too-long')
    expect(over.body.detail).toBe('The path and query string are 8193 characters long; the limit is 8192')
    expect(over.body.instance.length, 'the problem does not echo the whole target').toBeLessThan(300)
  })

  it('when the route is unknown, then a long target is still a 414', async () => {
    expectProblem(await t.http().get(`/v1/${'y'.repeat(9000)}`), 414, 'uri-too-long')
  })

  it('when a path parameter is longer than any id, or not valid percent-encoding, then 400 problem+json', async () => {
    const long = await t.http().get(`/v1/actors/${'z'.repeat(201)}`)
    expectMatchesSpec(long, 'GET', '/v1/actors/{id}')
    expectProblem(long, 400, 'validation')
    expect(long.body.errors).toEqual([{ in: 'path', path: '', message: 'a path segment is longer than any id (200 characters)' }])
    const malformed = await t.http().get('/v1/actors/%E0%A4%A')
    expectProblem(malformed, 400, 'validation')
    expect(malformed.body.errors[0].message).toMatch(/percent-encoding/)
  })

  it('when the request line and headers pass 16 KiB, then the server answers 431 problem+json and closes', async () => {
    const { text, closedAfterMs } = await rawExchange(port(), [{ afterMs: 0, data: `GET ${target(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n` }], 5000)
    const res = parseResponse(text)
    expect(res.status).toBe(431)
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(JSON.parse(res.body)).toMatchObject({ type: '/problems/headers-too-large', status: 431 })
    expect(closedAfterMs).toBeDefined()
  })

  it('when the request is not HTTP, then 400 problem+json and the connection closes', async () => {
    const { text, closedAfterMs } = await rawExchange(port(), [{ afterMs: 0, data: 'HELLO\r\n\r\n' }], 5000)
    const res = parseResponse(text)
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toMatchObject({ type: '/problems/validation', status: 400 })
    expect(closedAfterMs).toBeDefined()
  })
})
