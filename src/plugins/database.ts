import fp from 'fastify-plugin'
import type { FastifyRequest, RouteOptions } from 'fastify'
import pg from 'pg'
import { z } from 'zod'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../generated/prisma/client.ts'
import { defaultLimits } from '../http/limits.ts'
import { readPosition } from '../db/position.ts'
import { ReplicaSet, RoutingPool, withReadContext, type ReadContext, type ReplicaSettings } from '../db/replicas.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: PrismaClient
    /** the primary's pool; in a GET handler under /v1 its queries read a replica when one is usable (src/db/replicas.ts) */
    pool: pg.Pool
    /** the read replicas (DATABASE_READ_URLS), undefined without them */
    replicas: ReplicaSet | undefined
  }
  interface FastifyRequest {
    readContext: ReadContext | null
  }
}

export interface PoolOptions {
  /** PostgreSQL cancels a statement running longer than this (default 15 s, see src/http/limits.ts) */
  statementTimeoutMs?: number
  /** told when an idle connection dies (the server restarted or was killed) */
  onIdleError?: (err: Error) => void
}

const poolConfig = (databaseUrl: string, opts: PoolOptions): pg.PoolConfig => ({
  connectionString: databaseUrl,
  max: 10,
  connectionTimeoutMillis: 3000,
  // A pathological query must not hold a connection forever.
  statement_timeout: opts.statementTimeoutMs ?? defaultLimits.statementTimeoutMs
})

export function createPool (databaseUrl: string, opts: PoolOptions = {}) {
  const pool = new RoutingPool(poolConfig(databaseUrl, opts))
  // pg emits 'error' when an idle client loses its server; unhandled, that event would crash the process.
  // The pool drops the client itself, and the next request opens a new connection.
  pool.on('error', (err) => opts.onIdleError?.(err))
  return pool
}

export const MIN_SEQ_HEADER = 'sitrep-min-seq'
export const SEQ_HEADER = 'sitrep-seq'

export const minSeqHeader = z.string().regex(/^\d{1,18}$/, 'must be a change-log position (a Sitrep-Seq answered by a write)').optional()
  .describe('read-your-writes: the Sitrep-Seq a write answered; a read replica serves this request only once it has replayed that ' +
    'position, else the primary does')

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const isRead = (route: RouteOptions) => [route.method].flat().every((m) => m === 'GET' || m === 'HEAD')

/**
 * GET routes under /v1 read on a replica when one is usable: their handler runs in a read context
 * (src/db/replicas.ts) and they take Sitrep-Min-Seq. The live change stream stays on the primary (its
 * poller is shared by every stream and wakes on the primary's notifications). Everything else (hooks,
 * writes and the reads they make) uses the primary.
 */
function readsOnReplica (route: RouteOptions): boolean {
  return isRead(route) && route.url.startsWith('/v1/') && !route.url.endsWith('/stream')
}

function addMinSeqHeader (route: RouteOptions) {
  if (route.schema?.hide) return
  const schema = route.schema ??= {}
  const headers = schema.headers as z.ZodObject | undefined
  if (headers === undefined) schema.headers = z.object({ [MIN_SEQ_HEADER]: minSeqHeader })
  else if (headers instanceof z.ZodObject) schema.headers = headers.extend({ [MIN_SEQ_HEADER]: minSeqHeader })
  else throw new Error(`${route.method} ${route.url}: its headers schema must be a z.object, so Sitrep-Min-Seq can be added to it`)
}

// A read the response cache keeps under log position N (request.logPosition, read on the primary)
// must show at least N, or a lagging replica's older answer would be stored and served as N's.
const contextOf = (request: FastifyRequest, replica: boolean): ReadContext => {
  const given = request.headers[MIN_SEQ_HEADER]
  const asked = replica && typeof given === 'string' && /^\d{1,18}$/.test(given) ? BigInt(given) : 0n
  const kept = replica && typeof request.logPosition === 'string' ? BigInt(request.logPosition) : 0n
  return { replica, minSeq: asked > kept ? asked : kept }
}

export default fp<{ databaseUrl: string, statementTimeoutMs: number, readUrls?: string[], replicas?: ReplicaSettings }>(async (app, opts) => {
  const pool = createPool(opts.databaseUrl, {
    statementTimeoutMs: opts.statementTimeoutMs,
    onIdleError: (err) => app.log.warn({ err }, 'an idle database connection was lost')
  })
  const db = new PrismaClient({ adapter: new PrismaPg(pool) })
  const readUrls = opts.readUrls ?? []
  const replicas = readUrls.length === 0
    ? undefined
    : new ReplicaSet(pool, readUrls, { ...opts.replicas, statementTimeoutMs: opts.statementTimeoutMs, log: (level, msg, extra) => app.log[level](extra ?? {}, msg) })
  pool.replicas = replicas
  app.decorate('pool', pool)
  app.decorate('db', db)
  app.decorate('replicas', replicas)
  app.decorateRequest('readContext', null)

  // Every handler runs with a read context: GETs may read a replica, writes note their position.
  // Without replicas a read has nothing to route and nothing to note, so it runs without one: the
  // AsyncLocalStorage's run and, in a process that has not written yet, Node's promise hooks (which
  // AsyncLocalStorage turns on for every promise created once it is first used) are not paid by reads.
  app.addHook('onRoute', (route) => {
    const replica = readsOnReplica(route)
    if (replica) addMinSeqHeader(route)
    if (replicas === undefined && isRead(route)) return
    const handler = route.handler
    route.handler = function (request, reply) {
      const ctx = contextOf(request, replica)
      request.readContext = ctx
      return withReadContext(ctx, () => handler.call(this, request, reply))
    }
  })

  // Read-your-writes: a successful write answers the change-log position it reached.
  // With `done`, so reads are not charged a promise for a hook that only concerns writes.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!WRITES.has(request.method) || reply.statusCode >= 300 || !request.url.startsWith('/v1/')) return done(null, payload)
    const seq = request.readContext?.seq
    if (seq !== undefined) {
      reply.header(SEQ_HEADER, String(seq))
      return done(null, payload)
    }
    readPosition(pool as pg.Pool).then((position) => {
      reply.header(SEQ_HEADER, String(BigInt(position)))
      done(null, payload)
    }, (err: Error) => done(err))
  })

  app.addHook('onReady', async () => { await replicas?.start() })
  app.addHook('onClose', async () => {
    await replicas?.stop()
    await db.$disconnect()
    await pool.end()
  })
}, { name: 'database' })

/** The OpenAPI side of read-your-writes: every write's 2xx answers carry Sitrep-Seq (the route schemas cannot say it). */
export function declareSeqHeader (doc: Record<string, any>): Record<string, any> {
  for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths ?? {})) {
    if (!path.startsWith('/v1/')) continue
    for (const [method, op] of Object.entries<Record<string, any>>(ops)) {
      if (!WRITES.has(method.toUpperCase())) continue
      for (const [status, response] of Object.entries<Record<string, any>>(op.responses ?? {})) {
        if (!/^2\d\d$/.test(status)) continue
        response.headers = {
          ...response.headers,
          'Sitrep-Seq': {
            description: 'the change-log position this write reached (the seq of the last change it recorded, else the current one): ' +
              'send it as Sitrep-Min-Seq on a read to see this write even when a read replica serves it',
            schema: { type: 'string', pattern: '^\\d+$' }
          }
        }
      }
    }
  }
  return doc
}
