import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'

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

/**
 * Security headers on every response. This plugin owns the Content-Security-Policy, the docs
 * page's included (swagger-ui's own staticCSP is off), so there is one policy per route.
 * Register it before the openapi plugin so the docs routes get their policy.
 */
export default fp(async (app) => {
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs') && route.helmet === undefined) {
      route.helmet = { contentSecurityPolicy: { useDefaults: false, directives: docsPolicy } }
    }
  })
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: apiPolicy }
  })
}, { name: 'helmet' })
