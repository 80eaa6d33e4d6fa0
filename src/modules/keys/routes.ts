import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { bearer } from '../../http/auth.ts'
import { pageRoute } from '../../http/crud.ts'
import { Problem } from '../../http/problems.ts'
import { problems, readProblems, writeProblems } from '../../http/responses.ts'
import { idParams, iso, isoOrNull } from '../../http/schemas.ts'
import { createKeyRepository, type ApiKeyView } from './repository.ts'
import { apiKeyPage, createApiKeySchema, createdApiKeySchema, keyListQuery, type ApiKeyResponse } from './schemas.ts'

const tags = ['Keys']

const toApiKey = (k: ApiKeyView): ApiKeyResponse =>
  ({ id: k.id, name: k.name, scopes: k.scopes, createdAt: iso(k.createdAt), revokedAt: isoOrNull(k.revokedAt) })

export default async function keyRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const keys = createKeyRepository(app.db)

  // Key management answers are for the admin alone: no shared cache may keep them (least of all
  // the one response that carries a secret).
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })

  pageRoute(app, '/v1/keys', {
    operationId: 'listKeys',
    summary: 'List API keys',
    description: 'Every key with its name, scopes and revocation time; never a secret (only hashes are stored). Needs scope `admin`.',
    tags,
    scope: 'admin',
    querystring: keyListQuery,
    response: apiKeyPage
  }, (query) => keys.page(query), toApiKey)

  r.post('/v1/keys', {
    // Replaying the answer would mean storing the secret.
    config: { scope: 'admin', idempotency: false },
    schema: {
      operationId: 'createKey',
      summary: 'Create an API key',
      description: 'Answers the key with its `secret`, which is shown this once: the server stores only a hash. Needs scope `admin`. ' +
        'An `Idempotency-Key` header is ignored here, since replaying the answer would mean storing the secret.',
      tags,
      security: bearer,
      body: createApiKeySchema,
      response: { 201: createdApiKeySchema, ...problems(...writeProblems) }
    }
  }, async (request, reply) => {
    const key = await keys.create(request.body.name, request.body.scopes)
    return reply.code(201).send({ id: key.id, name: key.name, scopes: key.scopes, createdAt: iso(key.createdAt), secret: key.secret })
  })

  r.delete('/v1/keys/:id', {
    config: { scope: 'admin' },
    schema: {
      operationId: 'revokeKey',
      summary: 'Revoke an API key',
      description: 'The key stops working with the next request. An unknown or already revoked key is a 404. Needs scope `admin`.',
      tags,
      security: bearer,
      params: idParams,
      response: { 204: z.undefined().describe('revoked'), ...problems(...readProblems, 404) }
    }
  }, async (request, reply) => {
    if (!(await keys.revoke(request.params.id))) throw new Problem('not-found', `No working API key ${request.params.id}: it does not exist or is already revoked`)
    return reply.code(204).send()
  })
}
