import { createHash, randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Prisma } from '../generated/prisma/client.ts'
import { withClaim, type Claim } from '../db/idempotency.ts'
import { rawRows } from '../db/rows.ts'
import { Problem } from './problems.ts'

declare module 'fastify' {
  interface FastifyRequest { idempotency: Claim | null }
  interface FastifyContextConfig {
    /** false for a POST whose answer must never be stored (it carries a secret). */
    idempotency?: boolean
  }
}

const WINDOW_HOURS = 24
const window = Prisma.sql`${WINDOW_HOURS}::int * interval '1 hour'`
// A request that never finished (its process died before its write committed) stops blocking its key after this long.
const ABANDONED_SECONDS = 120
const replayedHeaders = ['content-type', 'location', 'etag']
// Where a record created by a POST is read, for a retry answered from the record itself.
const recordPaths: Record<string, string> = {
  actor: '/v1/actors', source: '/v1/sources', incident: '/v1/incidents', casualtyReport: '/v1/casualties', statement: '/v1/statements'
}

interface StoredRecord {
  request_hash: string
  status: number | null
  headers: Record<string, string> | null
  body: string | null
  applied: boolean
  entity_id: string | null
}

/**
 * Idempotency-Key on every POST (API.md §1), kept in PostgreSQL so that every API instance sees it:
 * the same key and body within 24 h replays the first response; the same key with another body, or
 * while the first request is still running, is a 409. The write itself locks the key's row and marks
 * it applied in its own transaction (src/db/idempotency.ts), so neither a crash between the commit
 * and the stored answer nor a request outliving the abandonment lease lets a retry write again.
 */
export default fp<{ abandonedSeconds?: number }>(async (app, opts) => {
  const abandonedSeconds = opts.abandonedSeconds ?? ABANDONED_SECONDS
  app.decorateRequest('idempotency', null)
  let lastSweep = 0

  async function claim (request: FastifyRequest, reply: FastifyReply): Promise<Claim | 'replayed' | null> {
    const key = request.headers['idempotency-key']
    if (request.method !== 'POST' || typeof key !== 'string' || !request.apiKey || request.routeOptions.config.idempotency === false) return null
    if (key.length === 0 || key.length > 255) throw new Problem('validation', 'Idempotency-Key must be 1 to 255 characters', { errors: [{ in: 'header', path: 'idempotency-key', message: 'must be 1 to 255 characters' }] })
    const apiKeyId = request.apiKey.id
    const hash = createHash('sha256').update(JSON.stringify([request.method, request.url, request.bodyDigest ?? request.body])).digest('hex')

    if (Date.now() - lastSweep > 3600_000) {
      lastSweep = Date.now()
      await rawRows(app.pool, Prisma.sql`DELETE FROM idempotency_records WHERE created_at < now() - ${window}`)
    }
    const claimId = randomUUID()
    // Claim the key; only one request can win.
    let claimed = await rawRows(app.pool, Prisma.sql`
      INSERT INTO idempotency_records (api_key_id, key, method, path, request_hash, claim_id)
      VALUES (${apiKeyId}::uuid, ${key}, ${request.method}, ${request.url}, ${hash}, ${claimId}::uuid)
      ON CONFLICT (api_key_id, key) DO NOTHING RETURNING key`)
    if (claimed.length === 0) {
      // Or take over one that expired, or whose request died before its write committed. A running
      // write holds the row's lock (skipped here) and a committed one marked it applied.
      claimed = await rawRows(app.pool, Prisma.sql`
        WITH old AS (
          SELECT api_key_id, key FROM idempotency_records WHERE api_key_id = ${apiKeyId}::uuid AND key = ${key}
            AND (created_at < now() - ${window}
              OR (status IS NULL AND applied_at IS NULL AND created_at < now() - make_interval(secs => ${abandonedSeconds})))
          FOR UPDATE SKIP LOCKED)
        UPDATE idempotency_records r SET method = ${request.method}, path = ${request.url}, request_hash = ${hash}, claim_id = ${claimId}::uuid,
          created_at = now(), status = NULL, headers = NULL, body = NULL, applied_at = NULL, entity_id = NULL
        FROM old WHERE r.api_key_id = old.api_key_id AND r.key = old.key RETURNING r.key`)
    }
    if (claimed.length === 1) return { apiKeyId, key, claimId, applied: false }

    const [first] = await rawRows<StoredRecord>(app.pool, Prisma.sql`
      SELECT request_hash, status, headers, body, applied_at IS NOT NULL AS applied, entity_id::text FROM idempotency_records
      WHERE api_key_id = ${apiKeyId}::uuid AND key = ${key}`)
    if (!first) throw new Problem('conflict', 'The Idempotency-Key is being reused concurrently; retry')
    if (first.request_hash !== hash) throw new Problem('conflict', 'This Idempotency-Key was used with a different request; use a new key for a new request')
    if (first.status === null && first.applied) {
      await replayFromRecord(request, reply, apiKeyId, key, first.entity_id)
      return 'replayed'
    }
    if (first.status === null) throw new Problem('conflict', 'A request with this Idempotency-Key is still being processed; retry shortly', {}, { 'retry-after': '1' })
    reply.code(first.status).headers({ ...first.headers, 'idempotent-replayed': 'true' })
    reply.send(first.body)
    return 'replayed'
  }

  /**
   * The write was applied but its answer was never stored (the process died after the commit): the
   * answer is the record as the change log holds it now, with the route's success status.
   */
  async function replayFromRecord (request: FastifyRequest, reply: FastifyReply, apiKeyId: string, key: string, entityId: string | null) {
    const [change] = entityId === null
      ? []
      : await rawRows<{ entity: string, version: number, after: object }>(app.pool, Prisma.sql`
        SELECT entity, version, after FROM changes WHERE entity = ANY(${Object.keys(recordPaths)}::text[]) AND entity_id = ${entityId}::uuid
          AND after IS NOT NULL
        ORDER BY seq DESC LIMIT 1`)
    if (!change) throw new Problem('conflict', 'The request with this Idempotency-Key was applied, but its answer was lost; it will not be applied again')
    const status = successStatus(request)
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', etag: `"${change.version}"` }
    if (status === 201) headers.location = `${recordPaths[change.entity]}/${entityId}`
    const body = JSON.stringify(change.after)
    await rawRows(app.pool, Prisma.sql`UPDATE idempotency_records SET status = ${status}, headers = ${JSON.stringify(headers)}::jsonb,
      body = ${JSON.stringify(body)}::jsonb WHERE api_key_id = ${apiKeyId}::uuid AND key = ${key} AND status IS NULL`)
    reply.code(status).headers({ ...headers, 'idempotent-replayed': 'true' })
    reply.send(body)
  }

  app.addHook('preHandler', (request, reply, done) => {
    // Only a POST with a key can hold one: every other request passes without a promise.
    if (request.method !== 'POST' || request.headers['idempotency-key'] === undefined) return done()
    // Callback style: the rest of the request (the handler, its write) runs inside withClaim.
    claim(request, reply).then((held) => {
      if (held === 'replayed') return
      if (!held) return done()
      request.idempotency = held
      withClaim(held, done)
    }, done)
  })

  // With `done`: a request without a held key (every read) is not charged a promise for this hook.
  app.addHook('onSend', (request, reply, payload, done) => {
    const held = request.idempotency
    if (!held) return done(null, payload)
    settle(request, reply, payload, held).then((p) => done(null, p), done)
  })

  async function settle (request: FastifyRequest, reply: FastifyReply, payload: unknown, held: NonNullable<FastifyRequest['idempotency']>) {
    request.idempotency = null
    const owned = Prisma.sql`api_key_id = ${held.apiKeyId}::uuid AND key = ${held.key} AND claim_id = ${held.claimId}::uuid`
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      // A failure is not an answer to replay: free the key so the client can retry, unless the write
      // was applied (a retry then gets the record).
      await rawRows(app.pool, Prisma.sql`DELETE FROM idempotency_records WHERE ${owned} AND applied_at IS NULL`)
      return payload
    }
    const headers = Object.fromEntries(replayedHeaders.flatMap((h) => {
      const v = reply.getHeader(h)
      return v === undefined ? [] : [[h, String(v)]]
    }))
    await rawRows(app.pool, Prisma.sql`UPDATE idempotency_records SET status = ${reply.statusCode}, headers = ${JSON.stringify(headers)}::jsonb,
      body = ${JSON.stringify(payload)}::jsonb WHERE ${owned}`)
    return payload
  }
}, { name: 'idempotency', dependencies: ['auth', 'database'] })

/** The status a route answers a successful write with: the lowest 2xx in its response schema. */
function successStatus (request: FastifyRequest): number {
  const codes = Object.keys(request.routeOptions.schema?.response ?? {}).map(Number).filter((c) => c >= 200 && c < 300)
  return codes.length > 0 ? Math.min(...codes) : 200
}
