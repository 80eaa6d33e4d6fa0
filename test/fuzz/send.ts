import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { specViolation } from '../helpers/spec.ts'
import { kindOf, operations, type FuzzRequest, type Memory } from './requests.ts'

export interface Answer { status: number, headers: Record<string, string>, text: string }

// Counts what the fuzzer sent, so a generator that silently produces nothing fails the run.
export const tally = { requests: 0, byStatus: new Map<number, number>() }

const flat = (headers: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]))

/** The live SSE stream never ends: read it over a socket, check its head, then hang up. */
function viaSocket (app: FastifyInstance, req: FuzzRequest): Promise<Answer> {
  const { port } = app.server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: false }, (res) => {
      const head = { status: res.statusCode!, headers: flat(res.headers) }
      if (head.status === 200) {
        r.destroy()
        return resolve({ ...head, text: '' })
      }
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => resolve({ ...head, text }))
    })
    r.on('error', reject)
    r.setTimeout(10_000, () => r.destroy(new Error('no answer within 10 s')))
    r.end(req.payload)
  })
}

async function send (app: FastifyInstance, req: FuzzRequest): Promise<Answer> {
  if (req.operationId === 'streamChanges') return viaSocket(app, req)
  const res = await app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload })
  return { status: res.statusCode, headers: flat(res.headers), text: res.body }
}

function parse (answer: Answer): unknown {
  const type = (answer.headers['content-type'] ?? '').split(';')[0]
  if (!type.endsWith('json') || type === 'application/x-ndjson' || answer.text === '') return undefined
  return JSON.parse(answer.text)
}

const declaredQuery = new Map(operations.map((o) => [o.operationId,
  new Set<string>((o.op.parameters ?? []).filter((p: any) => p.in === 'query').map((p: any) => p.name))]))

/** The query keys of a request that its operation does not declare. */
function undeclaredKeys (req: FuzzRequest): string[] {
  const qs = req.url.split('?').slice(1).join('?')
  const declared = declaredQuery.get(req.operationId)!
  return [...new URLSearchParams(qs).keys()].filter((k) => k !== '' && !declared.has(k))
}

/** Unknown query keys are a 400 on every operation, whatever else the request holds. */
function strictQueryViolation (req: FuzzRequest, answer: Answer): string | null {
  const unknown = undeclaredKeys(req)
  if (unknown.length > 0 && answer.status < 400) return `unknown query key ${JSON.stringify(unknown[0])} answered ${answer.status}`
  return null
}

const namesQueryKey = (body: unknown, key: string) =>
  ((body as { errors?: Array<{ in: string, path: string }> } | undefined)?.errors ?? []).some((e) => e.in === 'query' && e.path === key)

/**
 * A request built to be valid, sent with a stray query key, must be a 400 naming that key. The
 * builder's values are valid for the schema but may still be refused earlier (a NUL the database
 * cannot store, a target over the length limit): then the same request without the key, sent
 * after it, must be refused the same way.
 */
async function strayKeyViolation (app: FastifyInstance, req: FuzzRequest, answer: Answer, body: unknown): Promise<string | null> {
  if (answer.status === 400 && namesQueryKey(body, req.strayKey!)) return null
  if (answer.status === 400 || answer.status === 414) {
    const control = await send(app, { ...req, url: req.control! })
    if (control.status === answer.status) return null
  }
  return `unknown query key ${JSON.stringify(req.strayKey)} answered ${answer.status}, not a 400 naming it: ${answer.text.slice(0, 300)}`
}

/** What is wrong with the answer to a fuzzed request, or null. */
export function violation (req: FuzzRequest, answer: Answer, body: unknown): string | null {
  if (answer.status >= 500) return `status ${answer.status}: ${answer.text.slice(0, 500)}`
  const strict = strictQueryViolation(req, answer)
  if (strict) return strict
  if (answer.status >= 400) {
    if (!/^application\/problem\+json/.test(answer.headers['content-type'] ?? '')) return `status ${answer.status} is ${answer.headers['content-type']}, not problem+json`
    const p = body as Record<string, unknown>
    if (typeof p?.type !== 'string' || typeof p.title !== 'string' || p.status !== answer.status) return `not a problem: ${answer.text.slice(0, 300)}`
  }
  if (req.operationId === 'streamChanges' && answer.status === 200) {
    return /^text\/event-stream/.test(answer.headers['content-type'] ?? '') ? null : `stream answered ${answer.headers['content-type']}`
  }
  return specViolation({ ...answer, body }, req.method, req.template)
}

/** Remembers ids of created records, cursors and ETags, so later requests can reuse them. */
function learn (memory: Memory & { remember: (kind: string, id: string) => void }, req: FuzzRequest, answer: Answer, body: any) {
  if (answer.headers.etag) memory.etags.push(answer.headers.etag)
  if (typeof body?.page?.nextCursor === 'string') memory.cursors.push(body.page.nextCursor)
  if (answer.status === 201 && typeof body?.id === 'string') {
    const kind = req.template.endsWith('/casualties') ? 'casualty' : kindOf(req.template)
    memory.remember(kind, body.id)
  }
  for (const list of [memory.etags, memory.cursors]) if (list.length > 200) list.splice(0, 100)
}

/** Sends one request and throws, with the request and answer, when an invariant breaks. */
export async function sendAndCheck (app: FastifyInstance, memory: Memory & { remember: (kind: string, id: string) => void }, req: FuzzRequest) {
  const answer = await send(app, req)
  tally.requests++
  tally.byStatus.set(answer.status, (tally.byStatus.get(answer.status) ?? 0) + 1)
  let body: unknown
  try {
    body = parse(answer)
  } catch {
    throw new Error(`${req.method} ${req.url.slice(0, 300)}: ${answer.status} body is not JSON: ${answer.text.slice(0, 300)}`)
  }
  const wrong = violation(req, answer, body) ?? (req.strayKey === undefined ? null : await strayKeyViolation(app, req, answer, body))
  if (wrong) {
    const payload = req.payload === undefined ? '' : `\nbody: ${req.payload.slice(0, 500)}`
    throw new Error(`${req.method} ${req.url.slice(0, 500)}${payload}\nheaders: ${JSON.stringify(req.headers).slice(0, 300)}\n→ ${wrong}`)
  }
  learn(memory, req, answer, body)
}
