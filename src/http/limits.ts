import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { PassThrough } from 'node:stream'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { Problem, problemCatalogue, type ProblemType } from './problems.ts'

/** What one client may ask of the server; each bound is set in src/config.ts and listed in the README. */
export interface Limits {
  /** largest request body in bytes (every route but the import); over it, 413 */
  bodyBytes: number
  /** largest bulk import body in bytes; over it, 413 */
  importBodyBytes: number
  /** longest request target (path and query string) in characters; over it, 414 */
  urlLength: number
  /** the headers must arrive within this, and the body within as long again; else 408 and the connection closes */
  requestTimeoutMs: number
  /** a connection with no traffic at all for this long is closed */
  connectionTimeoutMs: number
  /** an idle keep-alive connection is closed after this */
  keepAliveTimeoutMs: number
  /** PostgreSQL cancels any statement running longer; the request answers 503 */
  statementTimeoutMs: number
}

export const defaultLimits: Limits = {
  bodyBytes: 1024 * 1024,
  // Bulk loads are larger than single writes: 64 MiB holds ~100k typical lines.
  importBodyBytes: 64 * 1024 * 1024,
  urlLength: 8192,
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 30_000,
  // Longer than the idle timeout of common load balancers (60 s), so they never reuse a connection we just closed.
  keepAliveTimeoutMs: 72_000,
  statementTimeoutMs: 15_000
}

/** The Fastify (and Node http server) options that enforce the limits. */
export function serverLimits (limits: Limits) {
  return {
    bodyLimit: limits.bodyBytes,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks request timeouts only every 30 s by default, so a slow client would be cut off up to 30 s late.
    http: { connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.requestTimeoutMs / 4))) },
    clientErrorHandler
  }
}

/**
 * Errors Node raises before a request reaches Fastify (a slow or malformed request, oversized headers):
 * answered as problem+json like everything else, then the connection is closed.
 */
function clientErrorHandler (this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [type, detail]: [ProblemType, string] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? ['request-timeout', 'The request did not arrive in full within the time the server allows']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? ['headers-too-large', 'The request line and headers are larger than the server accepts']
        : ['validation', 'The request is not valid HTTP']
  const { status, title } = problemCatalogue[type]
  const body = JSON.stringify({ type: `/problems/${type}`, title, status, detail })
  this.log.info({ problem: type, code: err.code }, 'connection refused a request')
  if (!socket.writable) {
    socket.destroy()
    return
  }
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}

const bodyTimeout = () => new Problem('request-timeout', 'The request did not arrive in full within the time the server allows', {},
  // The rest of the body may still be on its way: it must not be read as the next request.
  { connection: 'close' })

/**
 * 414 for a request target longer than the limit, before any other work is done for it; 408 for a body
 * that trickles in (Node's requestTimeout stops watching once the headers are in).
 */
export default fp<Pick<Limits, 'urlLength' | 'requestTimeoutMs'>>(async (app, opts) => {
  // Both hooks with `done`, so a request is not charged a promise and a tick for either.
  app.addHook('onRequest', (request, _reply, done) => {
    const length = request.url.length
    if (length <= opts.urlLength) return done()
    done(new Problem('uri-too-long', `The path and query string are ${length} characters long; the limit is ${opts.urlLength}`,
      { instance: `${request.url.slice(0, 200)}…` }))
  })

  app.addHook('preParsing', (request, reply, payload, done) => {
    const { 'content-length': length, 'transfer-encoding': encoding } = request.headers
    if ((length === undefined || length === '0') && encoding === undefined) return done(null, payload)
    const guarded = new PassThrough()
    // Not stream.pipeline: destroying an unfinished request destroys its socket, and the 408 could not be sent.
    const timer = setTimeout(() => {
      payload.unpipe(guarded)
      guarded.destroy(bodyTimeout())
    }, opts.requestTimeoutMs)
    // Once the body is read, or the answer went out without reading it (a 415, a GET with a body),
    // nobody listens for the 408 any more: an error then would be uncaught.
    const stop = () => clearTimeout(timer)
    payload.once('close', stop)
    guarded.once('end', stop)
    reply.raw.once('finish', stop)
    payload.once('error', (err) => {
      clearTimeout(timer)
      guarded.destroy(err)
    })
    payload.pipe(guarded)
    done(null, guarded)
  })
}, { name: 'limits', dependencies: ['errors'] })
