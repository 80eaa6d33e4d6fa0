import fc from 'fast-check'
import { encodeCursor } from '../../src/http/cursor.ts'
import { spec } from '../helpers/spec.ts'
import { bodyArbitrary } from './bodies.ts'
import { hostilePathValue, hostileQueryValue, hostileValue, oddText } from './hostile.ts'
import { idArbitrary, valid, type IdPool } from './schema-arbitrary.ts'

export interface Operation { method: string, template: string, operationId: string, op: Record<string, any> }

export interface FuzzRequest {
  operationId: string
  method: string
  template: string
  url: string
  headers: Record<string, string>
  payload?: string
  /** a query key the operation does not declare, added to a request built to be valid (at `control`): the answer must be a 400 naming it */
  strayKey?: string
  control?: string
}

/** Everything the fuzzer learnt from earlier answers: ids, cursors and ETags to reuse. */
export interface Memory extends IdPool {
  cursors: string[]
  etags: string[]
  keys: Record<'admin' | 'read', string>
}

export const operations: Operation[] = Object.entries<Record<string, any>>(spec.paths).flatMap(([template, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), template, operationId: op.operationId, op })))

/** The kind of record a path's {id} names: /v1/incidents/{id}/casualties → incident. */
export const kindOf = (template: string) => ({
  actors: 'actor', sources: 'source', incidents: 'incident', casualties: 'casualty', statements: 'statement', keys: 'key'
} as Record<string, string>)[template.split('/')[2]] ?? 'any'

// encodeURIComponent throws on lone surrogates; send their WTF-8 bytes instead, as a sloppy client would.
export function encode (s: string): string {
  let out = ''
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    out += cp >= 0xD800 && cp <= 0xDFFF
      ? [0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
      : encodeURIComponent(ch)
  }
  return out
}

/** Mostly the good value; when the request is hostile, sometimes the bad one. */
const spoil = <T>(hostile: boolean, good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>, badWeight = 1) =>
  hostile ? fc.oneof({ weight: 4, arbitrary: good }, { weight: badWeight, arbitrary: bad }) : good

const paramValue = (schema: Record<string, any>, memory: Memory) => valid(schema, memory).map((v) => String(v))

const sorts = ['occurredAt', '-occurredAt', 'fatalities', 'statedAt', '-statedAt', 'updatedAt', 'name', 'createdAt', 'seq', 'revisions', '-at']

/** Cursors: real ones seen in answers (none yet: no cursor); when hostile, also garbage, altered ones and forgeries signed with the key in this open source. */
const cursorValue = (memory: Memory, hostile: boolean): fc.Arbitrary<string | null> => {
  const real = fc.nat().map((i) => memory.cursors.length ? memory.cursors[i % memory.cursors.length] : null)
  if (!hostile) return real
  return fc.oneof(real,
    fc.tuple(fc.constantFrom(...sorts), hostileValue, fc.oneof(fc.uuid(), oddText)).map(([sort, value, id]) => encodeCursor(sort, value as string, id)),
    real.map((c) => c && c.slice(0, -1) + (c.endsWith('A') ? 'B' : 'A')),
    hostileQueryValue)
}

function queryArbitrary (params: Array<Record<string, any>>, memory: Memory, hostile: boolean): fc.Arbitrary<string> {
  const entries = params.map((p) => {
    const good: fc.Arbitrary<string | null> = p.name === 'cursor' ? cursorValue(memory, hostile) : paramValue(p.schema, memory)
    return fc.option(spoil(hostile, good, hostileQueryValue), { freq: 2 })
      .map((v) => (v === null ? [] : [`${encode(p.name)}=${encode(v)}`]))
  })
  const extras = hostile
    ? fc.oneof(
      { weight: 5, arbitrary: fc.constant([] as string[]) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('limt', 'unknown', '__proto__', 'constructor', 'q[]', 'a[b]', ''), hostileQueryValue).map(([k, v]) => [`${encode(k)}=${encode(v)}`]) },
      { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%ED%A0%80', '&&', '=', '==x', '%00=%00').map((raw) => [raw]) },
      // a parameter given twice arrives as an array
      { weight: 1, arbitrary: fc.constantFrom(...params.map((p) => p.name), 'limit').map((n) => [`${n}=1`, `${n}=2`]) })
    : fc.constant([] as string[])
  return fc.tuple(fc.tuple(...entries), extras).map(([parts, extra]) => [...parts.flat(), ...extra].join('&'))
}

function pathArbitrary (operation: Operation, memory: Memory, hostile: boolean): fc.Arbitrary<string> {
  const params = (operation.op.parameters ?? []).filter((p: any) => p.in === 'path')
  const values = params.map((p: any) => spoil(hostile,
    p.schema.format === 'uuid' ? idArbitrary(memory, kindOf(operation.template)) : valid(p.schema, memory).map(String), hostilePathValue, 2))
  return fc.tuple(...values).map((vs) => params.reduce((path: string, p: any, i: number) => path.replace(`{${p.name}}`, encode(vs[i] as string)), operation.template))
}

const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?')

const etag = (memory: Memory) => fc.nat().map((i) => memory.etags[i % Math.max(memory.etags.length, 1)] ?? '"x"')

function headerArbitrary (operation: Operation, memory: Memory, hostile: boolean): fc.Arbitrary<Record<string, string>> {
  const named = (operation.op.parameters ?? []).filter((p: any) => p.in === 'header').map((p: any) => {
    const value = /match/.test(p.name)
      ? spoil(hostile, fc.oneof(etag(memory), fc.constant('*')), fc.oneof(fc.constantFrom('"x"', 'W/"1"', '', ','), oddText))
      : spoil(hostile, valid(p.schema, memory).map(String), fc.oneof(oddText, fc.constantFrom('x'.repeat(300), '')))
    return fc.option(value.map((v) => [p.name.toLowerCase(), printable(v)] as const), { freq: 2 })
  })
  const auth = spoil(hostile, fc.constant(`Bearer ${memory.keys.admin}`), fc.oneof(
    fc.constant(`Bearer ${memory.keys.read}`),
    fc.constantFrom('', 'Bearer', 'Bearer ', 'Basic YTpi', `Bearer ${memory.keys.admin}x`, 'Bearer sitrep_', `Bearer ${'a'.repeat(5000)}`, 'bearer  x y')))
  const goodAccept = fc.constantFrom('application/json', 'text/csv', 'application/x-ndjson', 'application/geo+json', '*/*', 'text/csv;q=0.9, application/json;q=0.1')
  const accept = fc.option(spoil(hostile, goodAccept, fc.constantFrom('text/event-stream', 'application/xml', 'application/*', ',,,', 'text/html')), { freq: 3 })
  return fc.tuple(fc.tuple(...named), auth, accept).map(([pairs, authorization, acc]) => ({
    ...Object.fromEntries(pairs.filter((p): p is readonly [string, string] => p !== null)),
    ...(authorization ? { authorization } : {}),
    ...(acc ? { accept: acc } : {})
  }))
}

/** Requests for one operation of the spec. */
export function requestArbitrary (operation: Operation, memory: Memory, mayBeHostile = true): fc.Arbitrary<FuzzRequest> {
  const query = (operation.op.parameters ?? []).filter((p: any) => p.in === 'query')
  const build = (hostile: boolean) => fc.tuple(pathArbitrary(operation, memory, hostile), queryArbitrary(query, memory, hostile),
    headerArbitrary(operation, memory, hostile), bodyArbitrary(operation, memory, hostile))
  // Half the requests are valid in every part (so success answers get checked too), half spoil some parts.
  const requests = (mayBeHostile ? fc.oneof(build(false), build(true)) : build(false))
    .map(([path, qs, headers, body]) => ({
      operationId: operation.operationId,
      method: operation.method,
      template: operation.template,
      url: qs ? `${path}?${qs}` : path,
      headers: { ...headers, ...(body.contentType ? { 'content-type': body.contentType } : {}) },
      ...(body.payload === undefined ? {} : { payload: body.payload })
    }))
  // The live stream goes over a real socket, where past 16 KiB of headers the server answers 431 for
  // the connection, not for an operation; every other operation goes through inject, which has no such limit.
  return operation.operationId === 'streamChanges' ? requests.filter((r) => r.url.length < 12_000) : requests
}

// Keys no operation declares; some are what a careless or hostile client sends (a typo, a debug
// switch, a prototype-pollution probe in bracket syntax).
const strayKeys = ['debug', 'constructor[prototype][admin]', '__proto__', 'limt', 'Limit', 'unknown', 'q[]', 'x-debug']

/** Valid requests, each with one undeclared query key added (at the start, the end or in between). */
export function strayKeyArbitrary (operation: Operation, memory: Memory): fc.Arbitrary<FuzzRequest> {
  const declared = new Set((operation.op.parameters ?? []).filter((p: any) => p.in === 'query').map((p: any) => p.name))
  const keys = strayKeys.filter((k) => !declared.has(k))
  return fc.tuple(requestArbitrary(operation, memory, false), fc.constantFrom(...keys), fc.constantFrom('x', '1', 'true', ''), fc.boolean())
    .map(([req, key, value, first]) => {
      const [path, qs] = req.url.split('?')
      const stray = `${encode(key)}=${encode(value)}`
      const query = qs ? (first ? `${stray}&${qs}` : `${qs}&${stray}`) : stray
      return { ...req, url: `${path}?${query}`, strayKey: key, control: req.url }
    })
}
