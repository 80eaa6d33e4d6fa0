import type { FastifyInstance } from 'fastify'
import { createRoute, deleteRoute, getRoute, mergePatchRule, pageRoute, patchRoute } from '../../http/crud.ts'
import { recordAsOf } from '../changes/feed.ts'
import { createSourceRepository, listSources } from './repository.ts'
import { getSource, toSource } from './views.ts'
import { sourceListQuery, sourcePage, sourceProjection, sourceReadQuery, sourceSchema, createSourceSchema, patchSourceSchema } from './schemas.ts'
import type { SourceView } from './schemas.ts'

const tags = ['Sources']
const record = { url: '/v1/sources/:id', tags, view: sourceSchema }

export default async function sourceRoutes (app: FastifyInstance) {
  const sources = createSourceRepository(app.db)

  pageRoute(app, '/v1/sources', {
    operationId: 'listSources',
    summary: 'List sources',
    description: 'Filter by words (`q`), publisher, kind, language and publication window (`from` inclusive, `to` exclusive).',
    tags,
    querystring: sourceListQuery,
    response: sourcePage,
    projection: sourceProjection
  }, (query, _id, asOf) => listSources(app.pool, query, asOf), toSource)

  getRoute(app, record, { operationId: 'getSource', summary: 'Get a source', querystring: sourceReadQuery, projection: sourceProjection }, {
    current: async (id) => toSource(await getSource(app.pool, id)),
    asOf: (id, at) => recordAsOf<SourceView>(app.pool, 'source', id, at, 'Source')
  })

  createRoute(app, record, {
    operationId: 'createSource',
    summary: 'Create a source',
    description: 'The URL is normalised (lower-case host, no fragment, no utm_* or other tracking parameters); a URL already known is a 409 naming the existing source.',
    url: '/v1/sources',
    body: createSourceSchema,
    problems: [409]
  }, async (body, keyName) => toSource(await sources.create(body, keyName)))

  patchRoute(app, record, {
    operationId: 'updateSource',
    summary: 'Update a source (JSON merge patch)',
    description: mergePatchRule,
    body: patchSourceSchema,
    problems: [409]
  }, async (id, patch, keyName, expect) => toSource(await sources.patch(id, patch, keyName, { expect })))

  deleteRoute(app, record, {
    operationId: 'deleteSource',
    summary: 'Delete a source',
    description: 'Soft delete. A source still cited by live incidents, casualty reports or statements is a 409 listing them.',
    problems: [409]
  }, (id, keyName, expect) => sources.remove(id, keyName, { expect }))
}
