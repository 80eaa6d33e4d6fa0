import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'
import { tidyOpenApi } from './openapi-tidy.ts'
import { declareSeqHeader } from './database.ts'

export const apiDescription = `sitrep records what happens in a conflict and who says what about it: incidents,
the casualty figures each party reports, and statements by actors, each tied to its sources.

Reads are public unless the server runs with READ_REQUIRES_KEY=true; writes need an API key with scope
\`write\` (\`Authorization: Bearer <key>\`). Every error is an RFC 9457 problem+json document whose \`type\`
is a page served by this API (see the Problems operations).

Unknown query parameters are a 400 on every operation: each says so with
\`x-query-additionalProperties: false\` (OpenAPI lists query parameters one by one and has no keyword for it).`

/** Marks each operation whose querystring schema is strict (all of them: src/http/strict-query.ts). */
const strictQueryTransform: typeof jsonSchemaTransform = (input) => {
  const out = jsonSchemaTransform(input)
  const query = out.schema.querystring as { additionalProperties?: unknown } | undefined
  if (query?.additionalProperties === false) (out.schema as Record<string, unknown>)['x-query-additionalProperties'] = false
  return out
}

export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'sitrep API',
        version: '1.0.0',
        description: apiDescription,
        license: { name: 'MIT', identifier: 'MIT' }
      },
      servers: [{ url: '/', description: 'the server that serves this document' }],
      tags: [
        { name: 'Actors', description: 'Who acts or speaks: states, governments, armed groups, organisations, people' },
        { name: 'Sources', description: 'Where a fact comes from' },
        { name: 'Incidents', description: 'What happened: type, time, place, actors and the derived fatality roll-up' },
        { name: 'Casualty reports', description: 'The figures each party gave about an incident, side by side' },
        { name: 'Statements', description: 'What actors said: claims, denials, confirmations, accusations, appeals, offers, assessments' },
        { name: 'Timeline', description: 'Incidents and statements merged by time' },
        { name: 'Import', description: 'Atomic bulk import of whole stories as NDJSON' },
        { name: 'Changes', description: 'The change feed for mirrors and live pages' },
        { name: 'Stats', description: 'Aggregates over incidents: counts, fatality sums and contested counts by type, status, country, actor or time' },
        { name: 'Keys', description: 'API keys: create (the secret is shown once), list and revoke; scope admin' },
        { name: 'Operations', description: 'Health, readiness, metrics and problem type pages' }
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key created with `npm run keys -- create`' }
        }
      }
    },
    transform: strictQueryTransform,
    transformObject: (input) => declareSeqHeader(tidyOpenApi(jsonSchemaTransformObject(input) as Record<string, any>)) as ReturnType<typeof jsonSchemaTransformObject>
  })

  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The Content-Security-Policy of /docs is set by the helmet plugin, with the API's own.
    uiConfig: { deepLinking: true, displayOperationId: true }
  })
}, { name: 'openapi' })
