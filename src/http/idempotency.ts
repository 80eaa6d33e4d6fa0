import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import { Problem } from './problems.ts'

declare module 'fastify' {
  interface FastifyRequest { idempotency: { apiKeyId: string, key: string } | null }
  interface FastifyContextConfig {
    /** false for a POST whose answer must never be stored (it carries a secret). */
    idempotency?: boolean
  }
}

const WINDOW_HOURS = 24
// A request that never finished (its process died) stops blocking its key after this long.
const ABANDONED_SECONDS = 120
const replayedHeaders = ['content-type', 'location', 'etag']

/**
 * Idempotency-Key on every POST (API.md §1), kept in PostgreSQL so that every API instance sees it:
 * the same key and body within 24 h replays the first response; the same key with another body, or
 * while the first request is still running, is a 409.
 */
export default fp(async (app) => {
  app.decorateRequest('idempotency', null)
  let lastSweep = 0

  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key']
    if (request.method !== 'POST' || typeof key !== 'string' || !request.apiKey || request.routeOptions.config.idempotency === false) return
    if (key.length === 0 || key.length > 255) throw new Problem('validation', 'Idempotency-Key must be 1 to 255 characters', { errors: [{ in: 'header', path: 'idempotency-key', message: 'must be 1 to 255 characters' }] })
    const apiKeyId = request.apiKey.id
    const hash = createHash('sha256').update(JSON.stringify([request.method, request.url, request.bodyDigest ?? request.body])).digest('hex')

    if (Date.now() - lastSweep > 3600_000) {
      lastSweep = Date.now()
      await app.pool.query(`DELETE FROM idempotency_records WHERE created_at < now() - interval '${WINDOW_HOURS} hours'`)
    }
    // Claim the key, or take over one that expired or was abandoned; only one request can win.
    const claimed = await app.pool.query(
      `INSERT INTO idempotency_records (api_key_id, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (api_key_id, key) DO UPDATE SET method = $3, path = $4, request_hash = $5, status = NULL, headers = NULL, body = NULL, created_at = now()
         WHERE idempotency_records.created_at < now() - interval '${WINDOW_HOURS} hours'
            OR (idempotency_records.status IS NULL AND idempotency_records.created_at < now() - interval '${ABANDONED_SECONDS} seconds')
       RETURNING key`, [apiKeyId, key, request.method, request.url, hash])
    if (claimed.rowCount === 1) {
      request.idempotency = { apiKeyId, key }
      return
    }
    const { rows: [first] } = await app.pool.query(
      'SELECT request_hash, status, headers, body FROM idempotency_records WHERE api_key_id = $1 AND key = $2', [apiKeyId, key])
    if (!first) throw new Problem('conflict', 'The Idempotency-Key is being reused concurrently; retry')
    if (first.request_hash !== hash) throw new Problem('conflict', 'This Idempotency-Key was used with a different request; use a new key for a new request')
    if (first.status === null) throw new Problem('conflict', 'A request with this Idempotency-Key is still being processed; retry shortly', {}, { 'retry-after': '1' })
    reply.code(first.status).headers({ ...first.headers, 'idempotent-replayed': 'true' })
    return reply.send(first.body)
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency
    if (!claim) return payload
    request.idempotency = null
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      // A failure is not an answer to replay: free the key so the client can retry.
      await app.pool.query('DELETE FROM idempotency_records WHERE api_key_id = $1 AND key = $2', [claim.apiKeyId, claim.key])
      return payload
    }
    const headers = Object.fromEntries(replayedHeaders.flatMap((h) => {
      const v = reply.getHeader(h)
      return v === undefined ? [] : [[h, String(v)]]
    }))
    await app.pool.query('UPDATE idempotency_records SET status = $3, headers = $4, body = $5 WHERE api_key_id = $1 AND key = $2',
      [claim.apiKeyId, claim.key, reply.statusCode, JSON.stringify(headers), JSON.stringify(payload)])
    return payload
  })
}, { name: 'idempotency', dependencies: ['auth', 'database'] })
