import { isIP } from 'node:net'
import { z } from 'zod'
import { defaultLimits, type Limits } from './http/limits.ts'
import { defaultExportLimits, type ExportLimits } from './http/export-limits.ts'
import { defaultStatsLimits, type StatsLimits } from './modules/stats/limits.ts'
import { defaultStreamLimits, type StreamLimits } from './modules/changes/stream-limits.ts'
import { defaultWebhookSettings, type WebhookSettings } from './modules/webhooks/worker.ts'
import { defaultCompressThresholdBytes, defaultHttpCache, type HttpCacheOptions } from './http/cache-options.ts'

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback)

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')

// `*`, or browser origins (scheme://host[:port], no path), comma-separated.
const origins = z.string()
  .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
  .pipe(z.array(z.union([z.literal('*'), z.string().regex(/^https?:\/\/[^/\s?#]+$/, 'must be * or origins such as https://news.example (scheme and host, no path)')])))

// Reverse proxies, as addresses or CIDRs (comma-separated); never "trust everything", which would let
// any client choose the address its limits are counted against.
const proxies = z.string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.string().refine((p) => {
    const [address, bits, ...rest] = p.split('/')
    const version = isIP(address)
    if (version === 0 || rest.length > 0) return false
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128))
  }, 'must be proxy addresses or CIDRs such as 10.0.0.0/8 (comma-separated); trusting every address is not allowed')).min(1))

// Waits such as `5s,30s,2m,1h`: the retry schedule of webhook deliveries.
const durations = z.string()
  .regex(/^\d{1,6}(ms|s|m|h)(,\d{1,6}(ms|s|m|h)){0,49}$/, 'must be comma-separated waits such as 5s,30s,2m,1h (units ms, s, m, h)')
  .transform((s) => s.split(',').map((d) => {
    const [, n, unit] = /^(\d+)(ms|s|m|h)$/.exec(d)!
    return Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h']
  }))

const formatDurations = (ms: number[]) => ms.map((d) => (d % 3_600_000 === 0 ? `${d / 3_600_000}h` : d % 60_000 === 0 ? `${d / 60_000}m` : `${d / 1000}s`)).join(',')

// Every setting the service reads, with its meaning; nothing else reads process.env (CLIs pass it here).
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('TCP port the API listens on'),
  HOST: z.string().min(1).default('127.0.0.1').describe('interface to listen on (0.0.0.0 in a container)'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional()
    .describe('PostgreSQL URL the API serves with: a role that is a member of sitrep_app and owns nothing; unset starts an embedded PostgreSQL'),
  DATABASE_READ_URLS: z.string()
    .transform((s) => s.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^postgres(ql)?:\/\//, 'must be postgres:// or postgresql:// URLs (comma-separated)')))
    .optional()
    .describe('read replicas (streaming standbys of DATABASE_URL\'s database), comma-separated PostgreSQL URLs: GET requests read from them round robin, health-checked, falling back to the primary (docs/operations.md)'),
  REPLICA_MAX_LAG_SECONDS: z.coerce.number().min(0).max(86_400).default(30).describe('a replica whose change log has been behind the primary\'s for longer is skipped until it catches up'),
  REPLICA_CHECK_INTERVAL_MS: int(100, 600_000, 1000).describe('how often each replica is health-checked'),
  MIGRATION_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional()
    .describe('PostgreSQL URL of the role that owns the schema, for migrations (same database as DATABASE_URL); unset migrates with DATABASE_URL'),
  SITREP_DATA_DIR: z.string().min(1).default('.data').describe('embedded PostgreSQL data directory'),
  DEMO_DATA: bool.optional().describe('load the demo story into an empty database (default: on when embedded)'),
  MIGRATE_ON_START: bool.default(true).describe('apply pending migrations before listening'),
  READ_REQUIRES_KEY: bool.default(false).describe('require an API key with scope read for reads'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600).describe('requests per minute per key or IP'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional()
    .describe('Redis for the rate-limit counters; unset keeps them in PostgreSQL (both are shared by every API process)'),
  CORS_ORIGINS: origins.optional().describe('browser origins allowed to call the API (comma-separated, or *); unset sends no CORS headers'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  BODY_LIMIT_BYTES: int(1024, 2 ** 30, defaultLimits.bodyBytes).describe('largest request body of every route but the import (413 over it)'),
  IMPORT_BODY_LIMIT_BYTES: int(1024, 2 ** 30, defaultLimits.importBodyBytes).describe('largest POST /v1/import body (413 over it)'),
  // Node refuses request lines and headers over 16 KiB (431) before this check could see a longer URL.
  MAX_URL_LENGTH: int(256, 16_384, defaultLimits.urlLength).describe('longest path and query string in characters (414 over it)'),
  REQUEST_TIMEOUT_MS: int(1000, 3_600_000, defaultLimits.requestTimeoutMs).describe('time for the headers to arrive, and again for the body (408 after it)'),
  CONNECTION_TIMEOUT_MS: int(1000, 3_600_000, defaultLimits.connectionTimeoutMs).describe('a connection with no traffic for this long is closed'),
  KEEP_ALIVE_TIMEOUT_MS: int(1000, 3_600_000, defaultLimits.keepAliveTimeoutMs).describe('an idle keep-alive connection is closed after this'),
  STATEMENT_TIMEOUT_MS: int(100, 3_600_000, defaultLimits.statementTimeoutMs).describe('PostgreSQL cancels a statement running longer (503)'),
  TRUST_PROXY: proxies.optional().describe('reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the client; unset trusts none'),
  AUTH_FAILURES_PER_MINUTE: int(1, 1_000_000, 30).describe('requests with a bad API key per minute per client address, then 429'),
  STREAMS_PER_ADDRESS: int(1, 100_000, defaultStreamLimits.perAddress).describe('open event streams per client address (per API process), then 429'),
  STREAMS_PER_KEY: int(1, 100_000, defaultStreamLimits.perKey).describe('open event streams per API key (per API process), then 429'),
  STREAMS_TOTAL: int(1, 1_000_000, defaultStreamLimits.total).describe('open event streams in all (per API process), then 429'),
  STREAM_MAX_LIFETIME_MS: int(1000, 86_400_000, defaultStreamLimits.maxLifetimeMs).describe('an event stream is ended after this long; clients reconnect with Last-Event-ID'),
  EXPORTS_PER_CLIENT: int(1, 10_000, defaultExportLimits.perClient).describe('streaming exports (ndjson, csv, geojson) at once per API key, or per client address without one (per API process), then 429'),
  EXPORTS_TOTAL: int(1, 100_000, defaultExportLimits.total).describe('streaming exports at once in all (per API process), then 429'),
  EXPORT_TIMEOUT_MS: int(1000, 86_400_000, defaultExportLimits.timeoutMs).describe('an export (one COPY statement) running longer is cut off, however slowly its client reads'),
  EXPORT_ENGINE: z.enum(['copy', 'js']).default(defaultExportLimits.engine)
    .describe('copy: PostgreSQL writes the export text (COPY … TO STDOUT); js: the reference path, batches of rows turned into views in Node'),
  IMPORTS_TOTAL: int(1, 1_000, 2).describe('imports (POST /v1/import) taken at once (per API process), then 429: each holds its whole file while it is checked'),
  STATS_MAX_ROWS: int(1, 1_000_000, defaultStatsLimits.maxRows).describe('rows one GET /v1/stats/incidents may answer; a larger result is a 400 naming the cap'),
  STATS_CACHE_BYTES: int(0, 2 ** 34, defaultStatsLimits.cacheBytes).describe('memory the stats cache may keep, in bytes (results measured as JSON), per API process'),
  CACHE_MAX_AGE_SECONDS: int(0, 86_400, defaultHttpCache.maxAgeSeconds)
    .describe('Cache-Control max-age of anonymous reads: how long a browser, proxy or CDN may serve one without asking again'),
  CACHE_STALE_WHILE_REVALIDATE_SECONDS: int(0, 86_400, defaultHttpCache.staleWhileRevalidateSeconds)
    .describe('Cache-Control stale-while-revalidate of anonymous reads: how long past max-age a cache may serve one while it revalidates'),
  RESPONSE_CACHE_BYTES: int(0, 2 ** 34, defaultHttpCache.maxBytes)
    .describe('memory the response cache may keep, in bytes (bodies and keys), per API process; 0 turns it off (ETags and 304s stay)'),
  COMPRESS_THRESHOLD_BYTES: int(0, 2 ** 30, defaultCompressThresholdBytes).describe('answers at least this large are compressed (br or gzip, as Accept-Encoding asks)'),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false).describe('deliver webhooks to private, loopback and link-local addresses too (tests, a receiver on the same network); off, such URLs are refused'),
  WEBHOOK_POLL_INTERVAL_MS: int(10, 600_000, defaultWebhookSettings.pollMs).describe('how often each API process dispatches new changes to webhook subscriptions and looks for due retries'),
  WEBHOOK_RETRY_SCHEDULE: durations.optional().describe(`waits after each failed webhook attempt; after the last the delivery fails (default ${formatDurations(defaultWebhookSettings.retryScheduleMs)})`),
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce.number().positive().max(24 * 365).default(defaultWebhookSettings.disableAfterMs / 3_600_000)
    .describe('a webhook subscription whose deliveries have failed, with no success, for this long is disabled (and says so)'),
  WEBHOOK_CONNECT_TIMEOUT_MS: int(100, 120_000, defaultWebhookSettings.connectTimeoutMs).describe('time to connect (TCP and TLS) to a webhook endpoint'),
  WEBHOOK_TIMEOUT_MS: int(100, 600_000, defaultWebhookSettings.timeoutMs).describe('time for a webhook endpoint to answer in full; later is a failed attempt'),
  WEBHOOK_CONCURRENCY: int(1, 10_000, defaultWebhookSettings.concurrency).describe('webhook subscriptions delivered to at once per API process (one attempt in flight to each)'),
  WEBHOOK_BATCH_SIZE: int(1, 10_000, defaultWebhookSettings.batchSize).describe('deliveries of one webhook subscription taken at once, sent one after another in change order and recorded together'),
  WEBHOOK_SECRET_GRACE_SECONDS: int(0, 7 * 86_400, defaultWebhookSettings.secretGraceSeconds).describe('how long a rotated webhook secret keeps signing next to the new one, unless the rotation says otherwise'),
  CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional()
    .describe('key that signs page cursors, the same for every API process; unset, a random key is stored in the database on first start')
})

export interface Config {
  port: number
  host: string
  databaseUrl: string | undefined
  migrationDatabaseUrl: string | undefined
  readUrls: string[]
  replicas: { maxLagSeconds: number, checkIntervalMs: number }
  dataDir: string
  demoData: boolean
  migrateOnStart: boolean
  readRequiresKey: boolean
  rateLimitPerMinute: number
  redisUrl: string | undefined
  corsOrigins: string[]
  logLevel: string
  limits: Limits
  cursorSecret: string | undefined
  trustProxy: string[]
  authFailuresPerMinute: number
  streams: StreamLimits
  exports: ExportLimits
  importsTotal: number
  stats: StatsLimits
  httpCache: HttpCacheOptions
  compressThresholdBytes: number
  webhooks: WebhookSettings
}

export class ConfigError extends Error {}

export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(present)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const name = String(issue.path[0])
    throw new ConfigError(`Invalid configuration: ${name}=${JSON.stringify(env[name])}: ${issue.message}`)
  }
  const e = parsed.data
  if (e.MIGRATION_DATABASE_URL !== undefined && e.DATABASE_URL === undefined) {
    throw new ConfigError('Invalid configuration: MIGRATION_DATABASE_URL is set without DATABASE_URL (the embedded database makes its own roles)')
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    migrationDatabaseUrl: e.MIGRATION_DATABASE_URL,
    readUrls: e.DATABASE_READ_URLS ?? [],
    replicas: { maxLagSeconds: e.REPLICA_MAX_LAG_SECONDS, checkIntervalMs: e.REPLICA_CHECK_INTERVAL_MS },
    dataDir: e.SITREP_DATA_DIR,
    demoData: e.DEMO_DATA ?? e.DATABASE_URL === undefined,
    migrateOnStart: e.MIGRATE_ON_START,
    readRequiresKey: e.READ_REQUIRES_KEY,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    redisUrl: e.REDIS_URL,
    corsOrigins: e.CORS_ORIGINS ?? [],
    logLevel: e.LOG_LEVEL,
    limits: {
      bodyBytes: e.BODY_LIMIT_BYTES,
      importBodyBytes: e.IMPORT_BODY_LIMIT_BYTES,
      urlLength: e.MAX_URL_LENGTH,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      connectionTimeoutMs: e.CONNECTION_TIMEOUT_MS,
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
      statementTimeoutMs: e.STATEMENT_TIMEOUT_MS
    },
    cursorSecret: e.CURSOR_SECRET,
    trustProxy: e.TRUST_PROXY ?? [],
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    streams: { perAddress: e.STREAMS_PER_ADDRESS, perKey: e.STREAMS_PER_KEY, total: e.STREAMS_TOTAL, maxLifetimeMs: e.STREAM_MAX_LIFETIME_MS },
    exports: { perClient: e.EXPORTS_PER_CLIENT, total: e.EXPORTS_TOTAL, timeoutMs: e.EXPORT_TIMEOUT_MS, engine: e.EXPORT_ENGINE },
    importsTotal: e.IMPORTS_TOTAL,
    stats: { maxRows: e.STATS_MAX_ROWS, cacheBytes: e.STATS_CACHE_BYTES },
    httpCache: { maxAgeSeconds: e.CACHE_MAX_AGE_SECONDS, staleWhileRevalidateSeconds: e.CACHE_STALE_WHILE_REVALIDATE_SECONDS, maxBytes: e.RESPONSE_CACHE_BYTES },
    compressThresholdBytes: e.COMPRESS_THRESHOLD_BYTES,
    webhooks: {
      worker: true,
      pollMs: e.WEBHOOK_POLL_INTERVAL_MS,
      retryScheduleMs: e.WEBHOOK_RETRY_SCHEDULE ?? defaultWebhookSettings.retryScheduleMs,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000,
      connectTimeoutMs: e.WEBHOOK_CONNECT_TIMEOUT_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      batchSize: e.WEBHOOK_BATCH_SIZE,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      secretGraceSeconds: e.WEBHOOK_SECRET_GRACE_SECONDS
    }
  }
}
