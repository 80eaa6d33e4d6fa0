import fp from 'fastify-plugin'
import { createKeyRepository, type ApiKeyView, type Scope } from '../modules/keys/repository.ts'
import { Problem } from './problems.ts'

declare module 'fastify' {
  interface FastifyRequest { apiKey: ApiKeyView | null }
  interface FastifyContextConfig {
    /** Scope the route needs; reads default to `read` only when READ_REQUIRES_KEY is on. */
    scope?: Scope
  }
}

// admin may do everything, write includes read.
const grants: Record<Scope, Scope[]> = { read: ['read'], write: ['write', 'read'], admin: ['admin', 'write', 'read'] }

export const hasScope = (key: ApiKeyView, needed: Scope) => key.scopes.some((s) => grants[s].includes(needed))

/** OpenAPI security requirement for routes that need a key. */
export const bearer = [{ bearerAuth: [] }]

export default fp<{ readRequiresKey: boolean }>(async (app, opts) => {
  const keys = createKeyRepository(app.db)
  app.decorateRequest('apiKey', null)

  app.addHook('onRequest', async (request) => {
    // Health, docs, spec and problem pages live outside /v1 and never need a key.
    const url = request.routeOptions.url
    if (url === undefined || !url.startsWith('/v1')) return
    const config = request.routeOptions.config
    const header = request.headers.authorization
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header)
      const key = match ? await keys.authenticate(match[1]) : null
      if (!key) {
        throw new Problem('unauthorized', 'The API key is missing, malformed, unknown or revoked', {}, { 'www-authenticate': 'Bearer' })
      }
      request.apiKey = key
    }
    const needed = config.scope ?? (opts.readRequiresKey ? 'read' : undefined)
    if (!needed) return
    if (!request.apiKey) {
      throw new Problem('unauthorized', `This operation needs an API key with scope ${needed}: send Authorization: Bearer <key>`, {}, { 'www-authenticate': 'Bearer' })
    }
    if (!hasScope(request.apiKey, needed)) {
      throw new Problem('forbidden', `This operation needs scope ${needed}; the key "${request.apiKey.name}" has ${request.apiKey.scopes.join(', ')}`)
    }
  })
}, { name: 'auth', dependencies: ['database'] })
