import fp from 'fastify-plugin'
import cors from '@fastify/cors'

export interface CorsOptions {
  /** browser origins allowed to call the API; `*` allows any; empty sends no CORS headers */
  origins: string[]
}

// What a browser client may read besides the CORS-safelisted headers: caching, paging, the new
// record's URL, its request budget and the request id to quote in a bug report.
const exposedHeaders = ['ETag', 'Link', 'Location', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'X-Request-Id']

/**
 * CORS for browser apps on other origins (CORS_ORIGINS). Keys travel in a header, never in cookies,
 * so no credentials mode, and a preflight may ask for any request header.
 */
export default fp<CorsOptions>(async (app, opts) => {
  if (opts.origins.length === 0) return
  await app.register(cors, {
    origin: opts.origins.includes('*') ? '*' : opts.origins,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    exposedHeaders,
    credentials: false,
    maxAge: 600
  })
}, { name: 'cors' })
