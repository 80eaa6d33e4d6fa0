import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { bearer } from '../../http/auth.ts'
import { sendPage } from '../../http/list.ts'
import { problems, readProblems, writeProblems } from '../../http/responses.ts'
import { asOfParam, idParams } from '../../http/schemas.ts'
import { conditionalHeaders, conditionalReadHeaders, ifMatch, notModified, tagged } from '../../http/conditional.ts'
import { recordAsOf } from '../changes/feed.ts'
import { createSourceRepository, listSources } from './repository.ts'
import { getSource, toSource } from './views.ts'
import { sourceListQuery, sourcePage, sourceSchema, createSourceSchema, patchSourceSchema } from './schemas.ts'
import type { SourceView } from './schemas.ts'

const tags = ['Sources']

export default async function sourceRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const sources = createSourceRepository(app.db)

  r.get('/v1/sources', {
    schema: {
      operationId: 'listSources',
      summary: 'List sources',
      description: 'Filter by words (`q`), publisher, kind, language and publication window (`from` inclusive, `to` exclusive).',
      tags,
      querystring: sourceListQuery,
      response: { 200: sourcePage, ...problems(...readProblems) }
    }
  }, async (request, reply) => {
    const { rows, total, cursorOf } = await listSources(app.pool, request.query)
    const page = sendPage(request, reply, rows, request.query.limit, cursorOf, total)
    return { ...page, data: page.data.map(toSource) }
  })

  r.get('/v1/sources/:id', {
    schema: {
      operationId: 'getSource',
      summary: 'Get an source',
      tags,
      params: idParams,
      querystring: z.strictObject({ asOf: asOfParam }),
      headers: conditionalReadHeaders,
      response: { 200: sourceSchema, 304: notModified, ...problems(...readProblems, 404) }
    }
  }, async (request, reply) => {
    const { asOf } = request.query
    if (asOf) return recordAsOf<SourceView>(app.pool, 'source', request.params.id, asOf, 'Source')
    const row = await getSource(app.pool, request.params.id)
    return tagged(request, reply, row.version, toSource(row))
  })

  r.post('/v1/sources', {
    config: { scope: 'write' },
    schema: {
      operationId: 'createSource',
      summary: 'Create an source',
      description: 'The URL is normalised (lower-case host, no fragment, no utm_* or other tracking parameters); a URL already known is a 409 naming the existing source.',
      tags,
      security: bearer,
      body: createSourceSchema,
      response: { 201: sourceSchema, ...problems(...writeProblems, 409) }
    }
  }, async (request, reply) => {
    const row = await sources.create(request.body, request.apiKey?.name ?? null)
    return reply.code(201).header('location', `/v1/sources/${row.id}`).send(toSource(row))
  })

  r.patch('/v1/sources/:id', {
    config: { scope: 'write' },
    schema: {
      operationId: 'updateSource',
      summary: 'Update an source (JSON merge patch)',
      description: 'RFC 7386 merge patch: absent fields are kept, `null` clears a field.',
      tags,
      security: bearer,
      params: idParams,
      headers: conditionalHeaders,
      body: patchSourceSchema,
      response: { 200: sourceSchema, ...problems(...writeProblems, 404, 409, 412) }
    }
  }, async (request, reply) => {
    const row = await sources.patch(request.params.id, request.body, request.apiKey?.name ?? null, { expect: ifMatch(request) })
    reply.header('etag', `"${row.version}"`)
    return toSource(row)
  })

  r.delete('/v1/sources/:id', {
    config: { scope: 'write' },
    schema: {
      operationId: 'deleteSource',
      summary: 'Delete an source',
      description: 'Soft delete. A source still cited by live incidents, casualty reports or statements is a 409 listing them.',
      tags,
      security: bearer,
      params: idParams,
      headers: conditionalHeaders,
      response: { 204: z.undefined().describe('deleted'), ...problems(...readProblems, 404, 409, 412) }
    }
  }, async (request, reply) => {
    await sources.remove(request.params.id, request.apiKey?.name ?? null, { expect: ifMatch(request) })
    return reply.code(204).send()
  })
}
