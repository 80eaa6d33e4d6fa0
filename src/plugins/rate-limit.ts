import fp from 'fastify-plugin'
import rateLimit, { normalizeIP } from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import type { FastifyRequest } from 'fastify'
import { Problem } from '../http/problems.ts'
import { deleteExpiredRateLimits, postgresRateLimitStore } from './rate-limit-store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The failed-authentication limiter per client address (used by src/http/auth.ts). */
    authFailures: { check: (request: FastifyRequest) => Promise<void>, count: (request: FastifyRequest) => Promise<void> }
  }
}

export interface RateLimitOptions {
  /** requests per minute per API key, or per client address without one */
  perMinute: number
  /** requests with a missing-the-mark key per minute per client address, before it gets 429 */
  authFailuresPerMinute: number
  /** Redis for the counters; without it they live in PostgreSQL */
  redisUrl?: string
}

// Keyed by the API key the auth hook found (its hook runs before this route-level one), else by
// the client address (IPv6 grouped by /64). A request with a bad key is refused by auth first.
const bucketOf = (request: FastifyRequest) =>
  request.apiKey ? `key:${request.apiKey.id}` : `ip:${normalizeIP(request.ip)}`

// Health, docs, spec, metrics and problem pages live outside /v1 and are never limited.
const exempt = (request: FastifyRequest) => !request.routeOptions.url?.startsWith('/v1')

export default fp<RateLimitOptions>(async (app, opts) => {
  const redis = opts.redisUrl
    ? new Redis(opts.redisUrl, { connectTimeout: 2000, maxRetriesPerRequest: 1 })
    : undefined

  await app.register(rateLimit, {
    max: opts.perMinute,
    timeWindow: 60_000,
    keyGenerator: bucketOf,
    allowList: exempt,
    enableDraftSpec: true,
    // A store outage must not take the API down with it: the request goes through unlimited.
    skipOnError: true,
    ...(redis ? { redis, nameSpace: 'sitrep:rate-limit:' } : { store: postgresRateLimitStore(app.pool) }),
    errorResponseBuilder: (request, context) => {
      const seconds = Math.ceil(context.ttl / 1000)
      return new Problem('rate-limited',
        `The budget of ${context.max} requests per minute for this ${request.apiKey ? 'API key' : 'client address'} is spent; retry in ${seconds} s`,
        {}, { 'retry-after': String(seconds) })
    }
  })

  // Failed authentications count per client address, in the same store (shared by every process).
  // The check runs before the key lookup and costs no round trip; only a failure is counted.
  const failures = app.createRateLimit({
    max: opts.authFailuresPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => `auth-failures:${normalizeIP(request.ip)}`
  })
  app.decorate('authFailures', {
    async check (request) {
      const state = await failures(request, { increment: false })
      if (state.isAllowed || state.remaining > 0) return
      throw new Problem('rate-limited',
        `This client address sent ${state.max} requests with a bad API key within a minute; retry in ${state.ttlInSeconds} s`,
        {}, { 'retry-after': String(Math.max(1, state.ttlInSeconds)) })
    },
    async count (request) {
      await failures(request)
    }
  })

  if (redis) {
    // Without a listener ioredis prints every failed reconnect to stderr.
    redis.on('error', (err) => app.log.warn({ err }, 'rate-limit Redis unreachable; requests pass unlimited'))
    app.addHook('onClose', async () => { await redis.quit().catch(() => redis.disconnect()) })
  } else {
    const sweep = setInterval(() => {
      deleteExpiredRateLimits(app.pool).catch((err) => app.log.warn({ err }, 'could not delete expired rate-limit counters'))
    }, 60_000).unref()
    app.addHook('onClose', async () => clearInterval(sweep))
  }
}, { name: 'rate-limit', dependencies: ['database', 'auth'] })
