import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { createKeyRepository, type ApiKeyView, type PrefixMemory } from '../modules/keys/repository.ts'
import type { Scope } from '../modules/keys/schemas.ts'
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

/** Prefixes no key has, remembered for `ttlMs` (at most `size` of them, oldest forgotten first). */
export function prefixMemory (ttlMs: number, size = 10_000): PrefixMemory {
  const until = new Map<string, number>()
  return {
    has (prefix) {
      const t = until.get(prefix)
      if (t === undefined) return false
      if (t > Date.now()) return true
      until.delete(prefix)
      return false
    },
    add (prefix) {
      until.delete(prefix)
      until.set(prefix, Date.now() + ttlMs)
      if (until.size > size) until.delete(until.keys().next().value!)
    }
  }
}

export interface AuthOptions {
  readRequiresKey: boolean
  /** how long a prefix no key has is answered 401 without a lookup (default 60 s) */
  unknownPrefixTtlMs?: number
}

export default fp<AuthOptions>(async (app, opts) => {
  const keys = createKeyRepository(app.db)
  const unknown = prefixMemory(opts.unknownPrefixTtlMs ?? 60_000)
  app.decorateRequest('apiKey', null)

  /** Who the request is: the key its Authorization header names, checked (a bad one is a 401). */
  async function identify (request: FastifyRequest, header: string) {
    // A client address that keeps sending bad keys is refused before any lookup.
    await app.authFailures.check(request)
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    const key = match ? await keys.authenticate(match[1], unknown) : null
    if (!key) {
      await app.authFailures.count(request)
      throw new Problem('unauthorized', 'The API key is missing, malformed, unknown or revoked', {}, { 'www-authenticate': 'Bearer' })
    }
    request.apiKey = key
  }

  /** The 401 or 403 when the route needs a scope the request's key (or its lack of one) does not give. */
  function refusal (request: FastifyRequest): Problem | undefined {
    const needed = request.routeOptions.config.scope ?? (opts.readRequiresKey ? 'read' : undefined)
    if (!needed) return undefined
    if (!request.apiKey) {
      return new Problem('unauthorized', `This operation needs an API key with scope ${needed}: send Authorization: Bearer <key>`, {}, { 'www-authenticate': 'Bearer' })
    }
    if (!hasScope(request.apiKey, needed)) {
      return new Problem('forbidden', `This operation needs scope ${needed}; the key "${request.apiKey.name}" has ${request.apiKey.scopes.join(', ')}`)
    }
    return undefined
  }

  // With `done`: a request without a key (every anonymous read) is decided without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    // Health, docs, spec and problem pages live outside /v1 and never need a key.
    const url = request.routeOptions.url
    if (url === undefined || !url.startsWith('/v1')) return done()
    const header = request.headers.authorization
    if (header === undefined) return done(refusal(request))
    identify(request, header).then(() => done(refusal(request)), done)
  })
}, { name: 'auth', dependencies: ['database'] })
