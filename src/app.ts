import Fastify, { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import pino from 'pino'
import { validatorCompiler } from 'fastify-type-provider-zod'
import { randomUUID } from 'node:crypto'
import database from './plugins/database.ts'
import type { ReplicaSettings } from './db/replicas.ts'
import openapi from './plugins/openapi.ts'
import underPressure, { type PressureOptions } from './plugins/under-pressure.ts'
import helmet from './plugins/helmet.ts'
import cors from './plugins/cors.ts'
import metrics from './plugins/metrics.ts'
import drain from './plugins/drain.ts'
import rateLimit from './plugins/rate-limit.ts'
import httpCache from './plugins/http-cache.ts'
import compress from './plugins/compress.ts'
import { defaultCompressThresholdBytes, defaultHttpCache, type HttpCacheOptions } from './http/cache-options.ts'
import errors, { frameworkErrors } from './http/errors.ts'
import limitsPlugin, { defaultLimits, serverLimits, type Limits } from './http/limits.ts'
import { serializerCompiler } from './http/serializer.ts'
import { exportLimits } from './http/formats.ts'
import type { ExportLimits } from './http/export-limits.ts'
import unicodeGuard from './http/unicode.ts'
import strictQuery from './http/strict-query.ts'
import auth from './http/auth.ts'
import idempotency from './http/idempotency.ts'
import cursorKey from './http/cursor-key.ts'
import healthRoutes from './modules/health/routes.ts'
import docsRoutes from './modules/docs/routes.ts'
import actorRoutes from './modules/actors/routes.ts'
import sourceRoutes from './modules/sources/routes.ts'
import incidentRoutes from './modules/incidents/routes.ts'
import casualtyRoutes from './modules/casualties/routes.ts'
import statementRoutes from './modules/statements/routes.ts'
import timelineRoutes from './modules/timeline/routes.ts'
import importRoutes from './modules/imports/routes.ts'
import changeRoutes from './modules/changes/routes.ts'
import type { StreamLimits } from './modules/changes/stream-limits.ts'
import statsRoutes from './modules/stats/routes.ts'
import type { StatsLimits } from './modules/stats/limits.ts'
import keyRoutes from './modules/keys/routes.ts'
import metricsRoutes from './modules/metrics/routes.ts'
import explorerRoutes from './modules/explorer/routes.ts'
import webhookRoutes from './modules/webhooks/routes.ts'
import webhookWorker from './modules/webhooks/worker-plugin.ts'
import { defaultWebhookSettings, type WebhookSettings } from './modules/webhooks/worker.ts'

export interface AppOptions {
  databaseUrl: string
  /** read replicas of databaseUrl's database (src/db/replicas.ts); none by default */
  readUrls?: string[]
  /** replica lag bound and health-check interval (defaults in src/db/replicas.ts; tests shorten them) */
  replicas?: ReplicaSettings
  readRequiresKey?: boolean
  logLevel?: string
  /** SSE heartbeat interval (tests shorten it). */
  heartbeatMs?: number
  /** requests per minute per API key, or per client address without one (default 600) */
  rateLimitPerMinute?: number
  /** Redis for the rate-limit counters; unset keeps them in PostgreSQL */
  redisUrl?: string
  /** browser origins allowed by CORS (`*` for any); none by default */
  corsOrigins?: string[]
  /** overload thresholds (tests lower them) */
  pressure?: PressureOptions
  /** pino destination for tests; defaults to stdout. */
  logger?: FastifyServerOptions['logger']
  /** body, URL, timeout and statement limits (defaults in src/http/limits.ts; tests lower them) */
  limits?: Partial<Limits>
  /** how long a request that never finished blocks its Idempotency-Key (default 120 s; tests shorten it) */
  idempotencyLeaseSeconds?: number
  /** requests with a bad API key per minute per client address before 429 (default 30) */
  authFailuresPerMinute?: number
  /** how long a key prefix no key has is refused without a lookup (default 60 s; tests shorten it) */
  unknownPrefixTtlMs?: number
  /** addresses or CIDRs of the reverse proxies whose X-Forwarded-For names the client; none by default */
  trustProxy?: string[]
  /** open event streams per client address, per key and in all, and their lifetime (defaults in src/modules/changes/routes.ts) */
  streams?: Partial<StreamLimits>
  /** streaming exports at once per client and in all, their timeout and engine (defaults in src/http/export-limits.ts) */
  exports?: Partial<ExportLimits>
  /** imports taken at once by this process (default 2) */
  importsTotal?: number
  /** rows per stats answer and bytes of the stats cache (defaults in src/modules/stats/limits.ts) */
  stats?: Partial<StatsLimits>
  /** signs cursors; unset, a random key stored in the database on first start (shared by every process) */
  cursorSecret?: string
  /** Cache-Control ages and the response cache's bytes (defaults in src/plugins/http-cache.ts) */
  httpCache?: Partial<HttpCacheOptions>
  /** answers at least this large are compressed (default 1024) */
  compressThresholdBytes?: number
  /** webhook delivery: the worker, its poll, retry schedule, timeouts and target rules (defaults in src/modules/webhooks/worker.ts; tests shorten them) */
  webhooks?: Partial<WebhookSettings>
}

/**
 * The log's settings: JSON lines on `stream`, by default stdout, buffered: lines go out together, at 8
 * KiB or every 250 ms, instead of one blocking write per line (13% of the CPU of a single-record read
 * under load); pino flushes the rest on exit. No redaction: a request is logged by Fastify's serializer
 * (method, URL, host, address, port), never with its headers, so its Authorization and Cookie cannot
 * reach a line (test/platform/log-line.test.ts, test/modules/keys.test.ts); pino's redaction of paths no line has cost every
 * line its wrapping and restoring (~1% of the Node CPU of a single-record read).
 */
export function loggerOptions (level: string, stream: pino.DestinationStream = pino.destination({ dest: 1, sync: false, minLength: 8192, periodicFlush: 250 })) {
  return { level, stream }
}

/** One log line per request, when it is answered, instead of one on arrival and one on the answer. */
class RequestLog extends LogController {
  override incomingRequest () {}

  override requestCompleted (error: Error | null, request: FastifyRequest, reply: FastifyReply) {
    const line = { req: request, res: reply, responseTime: reply.elapsedTime }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else reply.log.info(line, 'request completed')
  }
}

export async function buildApp (opts: AppOptions) {
  const limits: Limits = { ...defaultLimits, ...opts.limits }
  const app = Fastify({
    logger: opts.logger ?? loggerOptions(opts.logLevel ?? 'info'),
    logController: new RequestLog(),
    ...serverLimits(limits),
    // A client's X-Request-Id is kept (so its logs and ours correlate) only when it looks like an id;
    // anything longer or odder would be echoed into every log line and answer, so it gets a UUID.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID()
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Only the listed proxies may name the client (request.ip, which every limit is keyed by).
    trustProxy: opts.trustProxy?.length ? opts.trustProxy : false,
    frameworkErrors
  })

  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)

  // A JSON API: plain text bodies are a 415, not a string handed to validation.
  app.removeContentTypeParser('text/plain')
  // Bulk imports arrive as NDJSON text; the import route parses it line by line.
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_request, body, done) => done(null, body))
  // RFC 7386 merge patches arrive as application/merge-patch+json; parse them as JSON.
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'))

  // Hooks that never wait are written with `done`: an async one costs every request a promise and a tick.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    done(null, payload)
  })

  await app.register(errors)
  await app.register(limitsPlugin, limits)
  await app.register(drain)
  // Before everything that does work: shed load first; security and CORS headers on every answer.
  await app.register(underPressure, opts.pressure ?? {})
  await app.register(helmet)
  await app.register(cors, { origins: opts.corsOrigins ?? [] })
  await app.register(database, { databaseUrl: opts.databaseUrl, statementTimeoutMs: limits.statementTimeoutMs, readUrls: opts.readUrls, replicas: opts.replicas })
  await app.register(cursorKey, { secret: opts.cursorSecret })
  await app.register(exportLimits, opts.exports ?? {})
  await app.register(metrics)
  await app.register(openapi)
  await app.register(auth, { readRequiresKey: opts.readRequiresKey ?? false, unknownPrefixTtlMs: opts.unknownPrefixTtlMs })
  await app.register(idempotency, { abandonedSeconds: opts.idempotencyLeaseSeconds })
  await app.register(unicodeGuard)
  await app.register(strictQuery)
  // After auth (its hook runs first, so the limit applies per key) and before the routes it limits.
  await app.register(rateLimit, { perMinute: opts.rateLimitPerMinute ?? 600, authFailuresPerMinute: opts.authFailuresPerMinute ?? 30, redisUrl: opts.redisUrl })
  // Last before the routes: its preHandler runs after every check above, and its onSend sees the
  // serialised body before compression does (compress adds its onSend to each route, after these).
  const compressThresholdBytes = opts.compressThresholdBytes ?? defaultCompressThresholdBytes
  await app.register(httpCache, { ...defaultHttpCache, ...opts.httpCache, readRequiresKey: opts.readRequiresKey ?? false, compressThresholdBytes })
  await app.register(compress, { thresholdBytes: compressThresholdBytes })

  await app.register(healthRoutes)
  await app.register(docsRoutes)
  await app.register(actorRoutes)
  await app.register(sourceRoutes)
  await app.register(incidentRoutes)
  await app.register(casualtyRoutes)
  await app.register(statementRoutes)
  await app.register(timelineRoutes)
  await app.register(importRoutes, { bodyLimit: limits.importBodyBytes, total: opts.importsTotal ?? 2 })
  await app.register(changeRoutes, { databaseUrl: opts.databaseUrl, heartbeatMs: opts.heartbeatMs, streams: opts.streams })
  await app.register(statsRoutes, { limits: opts.stats })
  await app.register(keyRoutes)
  await app.register(metricsRoutes)
  await app.register(explorerRoutes)
  const webhookSettings: WebhookSettings = { ...defaultWebhookSettings, ...opts.webhooks }
  await app.register(webhookWorker, { settings: webhookSettings })
  await app.register(webhookRoutes, { settings: webhookSettings })

  return app
}
