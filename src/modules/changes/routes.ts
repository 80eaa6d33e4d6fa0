import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { normalizeIP } from '@fastify/rate-limit'
import { Counter, Gauge } from 'prom-client'
import { z } from 'zod'
import { hasScope } from '../../http/auth.ts'
import { decodeCursor, encodeCursor } from '../../http/cursor.ts'
import { sendPage } from '../../http/list.ts'
import type { SortSpec } from '../../db/keyset.ts'
import { notFound } from '../../http/problems.ts'
import { problems, readProblems } from '../../http/responses.ts'
import { concurrencyLimit } from '../../http/slots.ts'
import { idParams } from '../../http/schemas.ts'
import { changesAfter, revisionsOf } from './feed.ts'
import { createChangeHub } from './hub.ts'
import { defaultStreamLimits, type StreamLimits } from './stream-limits.ts'
import { changeListQuery, changePage, changeStreamQuery, revisionPage, revisionQuery } from './schemas.ts'
import type { Entity } from './repository.ts'

const seqSpec: SortSpec = { field: 'seq', desc: false, nullable: false, kind: 'number' }
const cursorSeq = (cursor: string | undefined, sort: string) => (cursor ? BigInt(decodeCursor(cursor, sort, seqSpec).value as number) : null)

export interface ChangeRouteOptions { databaseUrl: string, heartbeatMs?: number, streams?: Partial<StreamLimits> }

export default async function changeRoutes (app: FastifyInstance, opts: ChangeRouteOptions) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const limits: StreamLimits = { ...defaultStreamLimits, ...opts.streams }
  const reads = new Counter({
    name: 'sitrep_change_log_reads_total',
    help: 'reads of the change log for event streams: shared (one read for every live stream) or catch_up (one stream replaying)',
    labelNames: ['kind'] as const,
    registers: [app.metrics]
  })
  const hub = createChangeHub(app.db, {
    databaseUrl: opts.databaseUrl,
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    pollMs: 5_000,
    maxLifetimeMs: limits.maxLifetimeMs,
    onRead: (kind) => reads.inc({ kind })
  })
  // eslint-disable-next-line no-new -- registered by the constructor, read on each scrape
  new Gauge({ name: 'sitrep_change_streams', help: 'open event streams', registers: [app.metrics], collect () { this.set(hub.size) } })
  const streams = concurrencyLimit('event streams', limits.total, 30)
  // preClose runs before the server waits for open requests, which open streams would never finish.
  app.addHook('preClose', async () => hub.close())

  r.get('/v1/changes', {
    schema: {
      operationId: 'listChanges',
      summary: 'The change feed',
      description: 'Every create, update and delete in `seq` order (commit order), deletions included, so an integrator can mirror the data: ' +
        'store the last seq (or follow page.nextCursor) and ask again with `since`. Fetch the record (or its /revisions) for the content.',
      tags: ['Changes'],
      querystring: changeListQuery,
      response: { 200: changePage, ...problems(...readProblems) }
    }
  }, async (request, reply) => {
    const q = request.query
    const since = cursorSeq(q.cursor, 'seq') ?? BigInt(q.since ?? 0)
    const rows = await changesAfter(app.pool, since, q.limit + 1, q.entity)
    return sendPage(request, reply, rows, q.limit, (last) => encodeCursor('seq', last.seq, last.id))
  })

  r.get('/v1/changes/stream', {
    // An open stream, not an answer to keep or revalidate.
    config: { cache: false },
    schema: {
      operationId: 'streamChanges',
      summary: 'The change feed, live (server-sent events)',
      description: 'text/event-stream: one `change` event per change (`id:` is its seq, `data:` the Change as JSON), replaying from `since` ' +
        'or the `Last-Event-ID` header first; without either, the stream starts at the end of the log (new changes only). A comment line every 15 s ' +
        'keeps proxies from closing the connection. Fed from the database, so every API instance streams every change. ' +
        `Limits per API process: ${limits.perAddress} open streams per client address, ${limits.perKey} per API key, ${limits.total} in all ` +
        `(429 with Retry-After past them); a stream ends after ${Math.round(limits.maxLifetimeMs / 1000)} s (reconnect with Last-Event-ID), ` +
        'and the streams of a revoked key end at once.',
      tags: ['Changes'],
      querystring: changeStreamQuery,
      headers: z.object({ 'last-event-id': z.string().regex(/^\d{1,18}$/, 'must be a change seq').optional() }),
      response: {
        200: { description: 'an event stream', content: { 'text/event-stream': { schema: z.string().describe('id: <seq>\\nevent: change\\ndata: <Change JSON>\\n\\n, repeated') } } },
        ...problems(...readProblems)
      }
    }
  }, async (request, reply) => {
    const key = request.apiKey
    const release = streams.acquire([
      ...(key ? [{ bucket: `key:${key.id}`, max: limits.perKey, who: `The API key "${key.name}"` }] : []),
      { bucket: `ip:${normalizeIP(request.ip)}`, max: limits.perAddress, who: 'This client address' }
    ])
    let since: bigint
    try {
      const given = request.headers['last-event-id'] ?? request.query.since
      // Listening before the stream is answered: a revocation or change right after it is not missed.
      await hub.listen()
      // A position past the end of the log (a restored database, a made-up id) means "from now on".
      const end = await hub.currentSeq()
      since = given === undefined || BigInt(given) > end ? end : BigInt(given)
    } catch (err) {
      release()
      throw err
    }
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id
    })
    res.write(': connected\n\n')
    hub.subscribe(res, since, request.query.entity, key?.id ?? null, release)
  })

  const revisable: Array<[string, Entity, string]> = [
    ['actors', 'actor', 'Actors'], ['sources', 'source', 'Sources'], ['incidents', 'incident', 'Incidents'], ['statements', 'statement', 'Statements']
  ]
  for (const [path, entity, tag] of revisable) {
    r.get(`/v1/${path}/:id/revisions`, {
      schema: {
        operationId: `list${tag.slice(0, -1)}Revisions`,
        summary: `The change history of one ${entity}`,
        description: 'Every change to the record, oldest first, with the record before and after. Deleted records keep their history. ' +
          'The name of the key that made each change (`by`) is given only to callers whose key has scope write or admin: key names are a newsroom\'s internals.',
        tags: [tag],
        params: idParams,
        querystring: revisionQuery,
        response: { 200: revisionPage, ...problems(...readProblems, 404) }
      }
    }, async (request, reply) => {
      const after = cursorSeq(request.query.cursor, 'revisions') ?? 0n
      const rows = await revisionsOf(app.pool, entity, request.params.id, after, request.query.limit + 1)
      if (rows.length === 0 && after === 0n) throw notFound(entity, request.params.id)
      const page = sendPage(request, reply, rows, request.query.limit, (last) => encodeCursor('revisions', last.seq, request.params.id))
      const mayKnowWho = request.apiKey !== null && hasScope(request.apiKey, 'write')
      return mayKnowWho ? page : { ...page, data: page.data.map(({ by: _by, ...rest }) => rest) }
    })
  }
}
