import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { z } from 'zod'
import { readPosition } from '../db/position.ts'
import { ByteLru, cacheKey, keyHash, noneMatch, positionReader, positionTag, preferredEncoding, varyWith } from '../http/cache.ts'
import { conditionalReadHeaders, notModified } from '../http/conditional.ts'
import { negotiate, type Format } from '../http/formats.ts'
import type { HttpCacheOptions } from '../http/cache-options.ts'
import { snapshotOf } from '../http/snapshot.ts'

/**
 * How a GET is cached. `log`: its answer may change with any write, so its ETag is the change log's
 * position (lists, aggregates, accounts, the feed). `record`: the handler sets the record's version
 * ETag (src/http/conditional.ts); the cache remembers it per position. `false`: never cached.
 */
export type CacheMode = 'log' | 'record' | false

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Unset: `log` for a GET under /v1 open to readers, `false` for one that needs a scope (keys). */
    cache?: CacheMode
    /** the formats the route offers (its `format` parameter's values; JSON alone without one), set at registration */
    formats?: Format[]
  }
  interface FastifyInstance {
    responseCache: { usage: () => { entries: number, bytes: number } }
  }
  interface FastifyRequest {
    /**
     * The change-log position a cacheable GET is answered (and stored) at, or null. A read routed
     * to a replica must come from one that has replayed at least this far, or the cache would keep
     * an older answer under a newer position.
     */
    logPosition: string | null
  }
}

/**
 * An answer as the cache keeps it: the serialised body, the headers that go with it, and the body
 * compressed once per encoding a client asked for (compressing a 40 KB page on every hit would cost
 * more CPU than serving it).
 */
interface Stored { position: string, bytes: number, etag?: string, body?: Buffer, type?: string, link?: string, br?: Buffer, gzip?: Buffer }

const compressors = {
  // Quality 4, as @fastify/compress uses for what it compresses itself.
  br: (body: Buffer) => brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
  gzip: (body: Buffer) => gzipSync(body)
}

/** What a URL validated once leads to: its cache key and the key's hash in its ETags. */
interface Known { key: string, hash: string }

interface State { mode: Exclude<CacheMode, false>, key: string, position: string, immutable?: boolean, served?: boolean, lead?: (s: Stored | null) => void }

const kState = Symbol('http-cache')
type WithState = FastifyRequest & { [kState]?: State }

// The change log's position (src/db/position.ts) names every answer: every write that changes one
// records a change (src/modules/changes/edit.ts, the roll-ups in casualties/derived.ts, merges and
// imports), in the transaction that makes it.

const vary = ['Accept', 'Authorization', 'accept-encoding']
const varyAll = vary.join(', ')

/**
 * Conditional GETs and the response cache. A cacheable GET, after auth, rate limit and validation
 * (this hook is a preHandler): reads the log's position (one index-only probe, shared by the
 * requests waiting for it), answers 304 when If-None-Match holds the current tag — no data query —,
 * else serves the stored answer for this key at this position, else joins a computation of the same
 * key already running, else runs the handler and stores its answer. Streams (exports) get the ETag
 * and 304 but are never stored. Metrics and the request log line see every request alike.
 */
export default fp<HttpCacheOptions & { readRequiresKey: boolean, compressThresholdBytes: number }>(async (app, opts) => {
  const store = new ByteLru<Stored>(opts.maxBytes)
  const running = new Map<string, Promise<Stored | null>>()
  const outcomes = new Counter({
    name: 'sitrep_response_cache_total',
    help: 'cacheable GETs by outcome: not_modified (304, no query), hit (stored answer), shared (joined a running computation), miss (the handler ran)',
    labelNames: ['outcome'] as const,
    registers: [app.metrics]
  })
  const counted = { not_modified: outcomes.labels('not_modified'), hit: outcomes.labels('hit'), shared: outcomes.labels('shared'), miss: outcomes.labels('miss') }
  const positionReads = new Counter({ name: 'sitrep_change_log_position_reads_total', help: 'reads of the change log position (each serves every request waiting)', registers: [app.metrics] })
  // eslint-disable-next-line no-new -- registered by the constructor, read on each scrape
  new Gauge({ name: 'sitrep_response_cache_bytes', help: 'bytes the response cache holds', registers: [app.metrics], collect () { this.set(store.usage().bytes) } })
  const position = positionReader(() => readPosition(app.pool), () => positionReads.inc())
  const publicControl = `public, max-age=${opts.maxAgeSeconds}, stale-while-revalidate=${opts.staleWhileRevalidateSeconds}`
  // An answer asOf a settled snapshot is the past, which does not change: a year, the longest RFC 9111 advises.
  const immutableControl = (keyed: boolean) => `${keyed ? 'private' : 'public'}, max-age=31536000, immutable`

  app.decorate('responseCache', { usage: () => store.usage() })
  app.decorateRequest('logPosition', null)

  // A crowd reading one page sends one URL over and over. Once a request to it has passed
  // validation, its key is known from what validation reads (the route, the raw URL, the Accept
  // header, the key's scopes): a repeat is answered on arrival, before its query is validated
  // again, when the stored answer or the client's tag is current; anything else goes the long way
  // (the preHandler below). A hook of each cacheable route's own, added after the rate limit's, so
  // a stored answer still counts against the client's budget; auth, app-wide, has run before both.
  const known = new Map<string, Known>()
  const knownMax = 10_000
  const knownKey = (request: FastifyRequest) =>
    `${request.routeOptions.url}\n${request.url}\n${request.headers.accept ?? ''}\n${request.apiKey?.scopes.join('+') ?? ''}`

  const repeat = async (request: WithState, reply: FastifyReply) => {
    const mode = request.routeOptions.config.cache
    if (!mode) return
    const seen = known.get(knownKey(request))
    if (!seen) return
    const at = await position()
    request.logPosition = at
    const state: State = { mode, key: seen.key, position: at }
    request[kState] = state
    const none = request.headers['if-none-match']
    if (mode === 'log') {
      const tag = positionTag(at, seen.hash)
      reply.header('etag', tag)
      if (noneMatch(none, tag)) {
        counted.not_modified.inc()
        state.served = true
        return reply.code(304).send()
      }
    }
    const kept = opts.maxBytes === 0 ? undefined : store.get(seen.key)
    if (kept?.position === at && (kept.body !== undefined || noneMatch(none, kept.etag))) {
      counted[kept.body === undefined ? 'not_modified' : 'hit'].inc()
      return serve(reply, kept, state)
    }
  }

  app.addHook('onRoute', (route) => {
    if (![route.method].flat().includes('GET')) return
    const config = (route.config ??= {}) as { cache?: CacheMode, scope?: string, formats?: Format[] }
    config.cache ??= route.url.startsWith('/v1') && !config.scope ? 'log' : false
    if (!config.cache) return
    route.onRequest = [route.onRequest ?? []].flat().concat(repeat)
    // The answer's format is part of its key, negotiated as the route will: two browsers' Accept
    // headers that both mean JSON share one stored answer and one ETag.
    const query = route.schema?.querystring
    const json = query ? z.toJSONSchema(query as z.ZodType, { io: 'input', unrepresentable: 'any' }) as { properties?: { format?: { enum?: Format[] } } } : {}
    config.formats = json.properties?.format?.enum ?? ['json']
    // Documented on the operation: If-None-Match and the 304 (openapi-tidy adds the response headers).
    const schema = (route.schema ??= {}) as { headers?: unknown, response?: Record<string, unknown> }
    schema.response = { ...schema.response, 304: schema.response?.[304] ?? notModified }
    if (!schema.headers) schema.headers = conditionalReadHeaders
    else if (schema.headers instanceof z.ZodObject) schema.headers = schema.headers.extend(conditionalReadHeaders.shape)
  })

  const serve = (reply: FastifyReply, s: Stored, state: State) => {
    state.served = true
    if (s.etag) reply.header('etag', s.etag)
    if (noneMatch(reply.request.headers['if-none-match'], s.etag)) return reply.code(304).send()
    if (s.link) reply.header('link', s.link)
    reply.type(s.type!)
    const request = reply.request
    const encoding = s.body!.length >= opts.compressThresholdBytes && request.headers['x-no-compression'] === undefined
      ? preferredEncoding(request.headers['accept-encoding'])
      : undefined
    if (!encoding) return reply.send(s.body)
    let encoded = s[encoding]
    if (!encoded) {
      encoded = s[encoding] = compressors[encoding](s.body!)
      s.bytes += encoded.length
      if (store.get(state.key) === s) store.set(state.key, s, s.bytes)
    }
    // Already encoded: @fastify/compress leaves an answer with a Content-Encoding alone.
    return reply.header('content-encoding', encoding).send(encoded)
  }

  app.addHook('preHandler', async (request: WithState, reply) => {
    const mode = request.routeOptions.config.cache
    if (!mode || request.method !== 'GET') return
    // `format=` and Accept name the format alike; the key holds the one negotiated.
    const { format: explicit, ...query } = request.query as { format?: Format }
    let format: Format
    try {
      format = negotiate(request, request.routeOptions.config.formats ?? ['json'], explicit)
    } catch {
      return // not acceptable: the handler answers it, nothing is kept
    }
    // Read asOf a snapshot, the answer is named by the snapshot's position, not the log's current one.
    const snapshot = await snapshotOf(request)
    // A repeat of a known URL read the position before validation (and was not answered from it).
    const early = request[kState]
    const at = snapshot ? snapshot.seq : early?.position ?? await position()
    request.logPosition = at
    const key = early?.key ?? cacheKey({
      route: request.routeOptions.url!,
      params: request.params,
      query,
      format,
      audience: request.apiKey?.scopes.join('+') ?? ''
    })
    const hash = keyHash(key)
    // Only the present is remembered: an asOf answer is named by its snapshot's position.
    if (!snapshot && !early) {
      if (known.size >= knownMax) known.clear()
      known.set(knownKey(request), { key, hash })
    }
    const state: State = { mode, key, position: at, immutable: snapshot?.settled }
    request[kState] = state
    if (mode === 'log') {
      const tag = positionTag(at, hash)
      reply.header('etag', tag)
      if (noneMatch(request.headers['if-none-match'], tag)) {
        counted.not_modified.inc()
        state.served = true
        return reply.code(304).send()
      }
    }
    if (opts.maxBytes === 0) return counted.miss.inc()
    const kept = store.get(key)
    if (kept?.position === at && (kept.body !== undefined || noneMatch(request.headers['if-none-match'], kept.etag))) {
      counted[kept.body === undefined ? 'not_modified' : 'hit'].inc()
      return serve(reply, kept, state)
    }
    const flight = `${at}\n${key}`
    const shared = await running.get(flight)
    if (shared && (shared.body !== undefined || noneMatch(request.headers['if-none-match'], shared.etag))) {
      counted.shared.inc()
      return serve(reply, shared, state)
    }
    counted.miss.inc()
    // A leader whose answer could not be shared (a problem, a stream) leaves this one to compute;
    // it leads the next requests unless another has taken the lead meanwhile.
    if (running.has(flight)) return
    let lead!: (s: Stored | null) => void
    running.set(flight, new Promise((resolve) => { lead = resolve }))
    state.lead = (s) => {
      running.delete(flight)
      state.lead = undefined
      lead(s)
    }
  })

  app.addHook('onSend', (request: WithState, reply, payload, done) => {
    const mode = request.routeOptions.config.cache
    if (request.method !== 'GET' || !request.routeOptions.url?.startsWith('/v1')) return done(null, payload)
    const ok = reply.statusCode === 200 || reply.statusCode === 304
    if (!mode || !ok) {
      // Keys, problems and other answers outside the log's position are never kept by a cache.
      reply.removeHeader('etag')
      reply.header('cache-control', 'no-store')
      request[kState]?.lead?.(null)
      return done(null, payload)
    }
    const keyed = opts.readRequiresKey || request.headers.authorization !== undefined
    const state = request[kState]
    reply.header('cache-control', state?.immutable ? immutableControl(keyed) : keyed ? 'private, no-cache' : publicControl)
    const named = reply.getHeader('vary')
    reply.header('vary', named === undefined ? varyAll : varyWith(named, vary))
    if (!state || state.served || !state.lead) return done(null, payload)
    const etag = reply.getHeader('etag') as string | undefined
    let stored: Stored | null = null
    const bytes = Buffer.byteLength(state.key) + 200
    if (reply.statusCode === 304 && etag) stored = { position: state.position, bytes, etag }
    else if (reply.statusCode === 200 && typeof payload === 'string') {
      const link = reply.getHeader('link') as string | undefined
      // Kept as bytes: a string would be encoded to UTF-8 again on every hit (for a 60 KB page, as
      // much CPU as the rest of the hit).
      const body = Buffer.from(payload)
      stored = { position: state.position, bytes: bytes + body.length, etag, body, type: String(reply.getHeader('content-type')), ...(link ? { link } : {}) }
    }
    if (stored) store.set(state.key, stored, stored.bytes)
    state.lead(stored)
    done(null, payload)
  })

  // A request that never reached onSend (the client went away, the reply was hijacked) must not
  // leave the requests that joined it waiting.
  app.addHook('onResponse', (request: WithState, _reply, done) => { request[kState]?.lead?.(null); done() })
  app.addHook('onRequestAbort', (request: WithState, done) => { request[kState]?.lead?.(null); done() })
}, { name: 'http-cache', dependencies: ['database', 'metrics', 'auth'] })
