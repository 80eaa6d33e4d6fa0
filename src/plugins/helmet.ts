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

// Each policy is built once. (@fastify/helmet builds helmet's middleware anew on every request,
// which cost about 4% of the CPU of a single-record read under load.)
const apiHeaders = helmet({ contentSecurityPolicy: { useDefaults: false, directives: apiPolicy } })
const docsHeaders = helmet({ contentSecurityPolicy: { useDefaults: false, directives: docsPolicy } })
const explorerHeaders = helmet({ contentSecurityPolicy: { useDefaults: false, directives: explorerPolicy } })
// No X-Frame-Options (it cannot say "anyone"), and a resource policy that lets other sites embed.
const embedHeaders = helmet({ contentSecurityPolicy: { useDefaults: false, directives: embedPolicy }, xFrameOptions: false, crossOriginResourcePolicy: { policy: 'cross-origin' } })

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
    const headers = headersFor(request.routeOptions.url)
    headers(request.raw, reply.raw, (err) => done(err as Error | undefined))
  })
}, { name: 'helmet' })
