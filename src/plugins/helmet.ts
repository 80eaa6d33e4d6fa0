import fp from 'fastify-plugin'
import helmet from 'helmet'

// JSON and the problem pages load nothing, so the API's policy allows nothing and no framing.
const apiPolicy = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"]
}

// swagger-ui under /docs loads its scripts, styles and images from this server and calls the
// API from the page. No upgrade-insecure-requests: the docs are also read over plain http.
const docsPolicy = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  // The one <style> element swagger-ui-bundle.js (@fastify/swagger-ui 6.1.3) injects, allowed by its
  // hash rather than with 'unsafe-inline'; the docs browser test names the new hash after an upgrade.
  'style-src': ["'self'", "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"]
}

// The explorer (/ and its hashed /assets/) loads its scripts, styles, the basemap and the data from
// this server alone: no inline script or style, no eval, no data: URIs, nothing from another host.
const explorerPolicy = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'self'"],
  'img-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'manifest-src': ["'self'"]
}

// The embeds are the explorer's policy, except that any site may frame them: they exist for
// newsrooms' pages (an iframe), and they only show what the public API already answers to anyone.
const embedPolicy = { ...explorerPolicy, 'frame-ancestors': ['*'] }

type Headers = Array<[string, string]>

/**
 * The headers helmet's middleware sets, recorded once: every one of ours is fixed (no nonces, nothing
 * read from the request), so a request only copies them. (@fastify/helmet builds the middleware anew
 * on every request, about 4% of the CPU of a single-record read under load; running the built chain
 * of a dozen middlewares was still ~1.5% of it.)
 */
function recorded (options: Parameters<typeof helmet>[0]): Headers {
  const headers: Headers = []
  const res = {
    setHeader (name: string, value: string) { headers.push([name, String(value)]) },
    removeHeader () {}
  }
  let failed: unknown
  helmet(options)({} as never, res as never, (err?: unknown) => { failed = err })
  if (failed) throw failed
  return headers
}

const apiHeaders = recorded({ contentSecurityPolicy: { useDefaults: false, directives: apiPolicy } })
const docsHeaders = recorded({ contentSecurityPolicy: { useDefaults: false, directives: docsPolicy } })
const explorerHeaders = recorded({ contentSecurityPolicy: { useDefaults: false, directives: explorerPolicy } })
// No X-Frame-Options (it cannot say "anyone"), and a resource policy that lets other sites embed.
const embedHeaders = recorded({ contentSecurityPolicy: { useDefaults: false, directives: embedPolicy }, xFrameOptions: false, crossOriginResourcePolicy: { policy: 'cross-origin' } })

function headersFor (url: string | undefined) {
  if (url === undefined) return apiHeaders
  if (url.startsWith('/docs')) return docsHeaders
  if (url.startsWith('/embed/')) return embedHeaders
  if (url === '/' || url.startsWith('/assets/')) return explorerHeaders
  return apiHeaders
}

/** Security headers on every response: the docs, the explorer and the embeds get theirs, everything else the API's. */
export default fp(async (app) => {
  app.addHook('onRequest', (request, reply, done) => {
    const res = reply.raw
    for (const [name, value] of headersFor(request.routeOptions.url)) res.setHeader(name, value)
    // As helmet's xPoweredBy does (Node sets none, a proxy or framework might).
    res.removeHeader('X-Powered-By')
    done()
  })
}, { name: 'helmet' })
