import type { LightMyRequestResponse } from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestContext } from '../helpers/app.ts'
import { spec, specViolation } from '../helpers/spec.ts'

// Auth for every operation of the committed spec, derived from the spec itself: a route added to
// the spec without a key requirement (or served without checking one) fails here.
interface Operation { method: string, template: string, operationId: string, security: Array<Record<string, string[]>>, description?: string }

const operations: Operation[] = Object.entries<Record<string, any>>(spec.paths).flatMap(([template, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), template, ...op })))

/** Health, readiness, metrics and problem pages: public even with READ_REQUIRES_KEY=true. */
const publicOperations = new Set(['getHealth', 'getReadiness', 'getMetrics', 'getProblemType'])
/** Served without a key like them, but not operations of the spec: the spec itself and the docs page. */
const publicPages = ['/openapi.json', '/openapi.yaml', '/docs/']
/** Writes that a read key may make. None today; list one here with the reason if that changes. */
const readScopeWrites = new Set<string>()

/** `[{}, …]` in an operation's security means the key is optional. */
const keyRequired = (op: Operation) => op.security.length > 0 && op.security.every((req) => Object.keys(req).length > 0)
const needsAdmin = (op: Operation) => /Needs scope `admin`/.test(op.description ?? '')

// Any id will do: auth answers before the route looks anything up or validates the body.
const urlOf = (op: Operation) => op.template.replace(/\{[^}]+\}/g, '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a50')

/** `METHOD /path/{param}` for every route in Fastify's printRoutes tree (HEAD aside). */
function servedRoutes (tree: string): string[] {
  const parents: string[] = []
  return tree.split('\n').flatMap((line) => {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!m) return []
    const depth = m[1].length / 4
    const path = (parents[depth - 1] ?? '') + m[2]
    parents[depth] = path
    const template = path.replace(/:(\w+)/g, '{$1}')
    return (m[3] ?? '').split(', ').filter((method) => method && method !== 'HEAD').map((method) => `${method} ${template}`)
  })
}

function send (t: TestContext, op: Operation, authorization?: string, query = '') {
  const ndjson = op.operationId === 'importRecords'
  return t.app.inject({
    method: op.method as 'GET',
    url: urlOf(op) + query,
    headers: {
      ...(authorization ? { authorization } : {}),
      ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' })
    },
    ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { payload: ndjson ? '' : '{}' })
  })
}

function expectProblem (res: LightMyRequestResponse, op: Operation, status: number) {
  const where = `${op.method} ${op.template}`
  expect(res.statusCode, `${where}: ${res.body}`).toBe(status)
  expect(res.headers['content-type'], where).toMatch(/^application\/problem\+json/)
  const body = res.json()
  expect(specViolation({ status: res.statusCode, headers: res.headers as Record<string, string>, body, text: res.body }, op.method, op.template), where).toBeNull()
  expect(body.type, where).toBe(status === 401 ? '/problems/unauthorized' : '/problems/forbidden')
}

describe('auth coverage from the spec, reads public (the default)', () => {
  let t: TestContext
  beforeAll(async () => {
    t = await createTestApp()
  })

  it('the spec declares a key for every write, and no key for the public operations', () => {
    const writes = operations.filter((op) => op.method !== 'GET')
    expect(writes.length).toBeGreaterThan(10)
    for (const op of writes) expect(keyRequired(op), `${op.method} ${op.template} needs a key in the spec`).toBe(true)
    for (const id of publicOperations) expect(operations.find((op) => op.operationId === id)?.security, id).toEqual([])
  })

  it('every /v1 route the app serves is an operation of the spec, so none escapes these checks', () => {
    const inSpec = new Set(operations.map((op) => `${op.method} ${op.template}`))
    const served = servedRoutes(t.app.printRoutes({ commonPrefix: false })).filter((r) => r.includes(' /v1'))
    expect(served.length).toBeGreaterThan(30)
    for (const route of served) expect(inSpec, `${route} is served but not in openapi.json`).toContain(route)
  })

  it('when an operation that needs a key is called without one, or with an unknown one, then 401', async () => {
    for (const op of operations.filter(keyRequired)) {
      expectProblem(await send(t, op), op, 401)
      expectProblem(await send(t, op, 'Bearer sitrep_not_a_key'), op, 401)
    }
  })

  it('when it is called with a read-only key, then 403', async () => {
    for (const op of operations.filter((op) => keyRequired(op) && !readScopeWrites.has(op.operationId))) {
      expectProblem(await send(t, op, `Bearer ${t.keys.read}`), op, 403)
    }
  })

  it('when an operation needs scope admin, then a write key gets 403', async () => {
    const adminOnly = operations.filter(needsAdmin)
    expect(adminOnly.map((op) => op.operationId).sort()).toEqual(['createKey', 'createWebhook', 'deleteWebhook', 'getWebhook', 'listKeys', 'listWebhookDeliveries',
      'listWebhooks', 'redeliverWebhookDelivery', 'revokeKey', 'rotateWebhookSecret', 'updateWebhook'])
    for (const op of adminOnly) expectProblem(await send(t, op, `Bearer ${t.keys.write}`), op, 403)
  })
})

describe('auth coverage from the spec, READ_REQUIRES_KEY=true', () => {
  let t: TestContext
  beforeAll(async () => {
    t = await createTestApp({ readRequiresKey: true })
  })

  const reads = operations.filter((op) => op.method === 'GET' && !publicOperations.has(op.operationId))

  it('when any read is called without a key, then 401', async () => {
    expect(reads.length).toBeGreaterThan(20)
    for (const op of reads) expectProblem(await send(t, op), op, 401)
  })

  it('when a read is called with a read key, then auth lets it through', async () => {
    // The unknown parameter gets a 400 (or the unknown id a 404) without streaming or querying much.
    for (const op of reads.filter((op) => !needsAdmin(op))) {
      const res = await send(t, op, `Bearer ${t.keys.read}`, '?unknownParameter=1')
      expect([400, 404], `${op.method} ${op.template}: ${res.body}`).toContain(res.statusCode)
    }
  })

  it('when health, metrics, problem pages, the spec or the docs are read without a key, then they answer', async () => {
    for (const op of operations.filter((op) => publicOperations.has(op.operationId))) {
      const res = await t.app.inject({ method: 'GET', url: op.template.replace('{type}', 'validation') })
      expect(res.statusCode, op.template).toBe(200)
    }
    for (const url of publicPages) expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(200)
  })
})
