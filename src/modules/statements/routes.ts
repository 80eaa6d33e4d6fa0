import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { createRoute, deleteRoute, getRoute, patchRoute } from '../../http/crud.ts'
import { sendPage } from '../../http/list.ts'
import { listContent, listOrExport } from '../../http/list-export.ts'
import { statementExport, statementExportOf } from './export.ts'
import { movedResponse, problems, readProblems } from '../../http/responses.ts'
import { idParams } from '../../http/schemas.ts'
import { recordAsOf } from '../changes/feed.ts'
import { getActor } from '../actors/views.ts'
import { findIncident } from '../incidents/views.ts'
import { createStatementRepository, listStatements, listStatementsAsOf, statementExportSql } from './repository.ts'
import { snapshotOf } from '../../http/snapshot.ts'
import { findStatement } from './views.ts'
import { expandStatements } from './expand.ts'
import {
  actorStatementsQuery, createStatementSchema, incidentStatementsQuery, patchStatementSchema, statementIncludeQuery,
  statementFormats, statementListQuery, statementPage, statementProjection, statementSchema, type StatementListQuery, type StatementView
} from './schemas.ts'

const tags = ['Statements']
const record = { url: '/v1/statements/:id', tags, view: statementSchema }

const listResponse = listContent('A page of statements (JSON), or every match streamed as NDJSON, CSV or Parquet', statementPage, statementSchema, statementFormats, statementProjection)

export default async function statementRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const statements = createStatementRepository(app.db)
  const list = (q: Parameters<typeof listStatements>[1]) => listStatements(app.pool, q)

  async function page (request: Parameters<typeof sendPage>[0], reply: Parameters<typeof sendPage>[1], query: StatementListQuery) {
    const { include, format, fields, asOf: _asOf, ...q } = query
    const snapshot = await snapshotOf(request)
    if (snapshot) {
      return listOrExport(request, reply, q, format, {
        formats: statementFormats,
        list: (b) => listStatementsAsOf(app.pool, snapshot.seq, b),
        views: async (rows) => rows.map((row) => JSON.parse(row.view) as StatementView),
        shape: statementExportOf('log'),
        filename: 'statements',
        fields,
        copy: (filters, to, shape) => statementExportSql(filters, to as 'ndjson' | 'csv', shape, snapshot.seq)
      })
    }
    return listOrExport(request, reply, q, format, {
      formats: statementFormats,
      list,
      views: (rows) => expandStatements(app.pool, rows, include),
      shape: statementExport,
      filename: 'statements',
      fields,
      copy: include?.length ? undefined : (filters, format, shape) => statementExportSql(filters, format as 'ndjson' | 'csv', shape)
    })
  }

  r.get('/v1/statements', {
    schema: {
      operationId: 'listStatements',
      summary: 'List statements',
      description: 'Every filter combines with AND; comma-separated values within one filter mean "any of". Sorted by `-statedAt` by default.',
      tags,
      querystring: statementListQuery,
      response: { 200: listResponse, ...problems(...readProblems, 406) }
    }
  }, (request, reply) => page(request, reply, request.query))

  r.get('/v1/incidents/:id/statements', {
    schema: {
      operationId: 'listIncidentStatements',
      summary: 'List the statements linked to an incident',
      tags: ['Incidents'],
      params: idParams,
      querystring: incidentStatementsQuery,
      response: { 200: listResponse, ...problems(...readProblems, 404, 406) }
    }
  }, async (request, reply) => {
    await findIncident(app.pool, request.params.id)
    return page(request, reply, { ...request.query, incident: [request.params.id] })
  })

  r.get('/v1/actors/:id/statements', {
    schema: {
      operationId: 'listActorStatements',
      summary: 'List an actor\'s statements (as speaker)',
      tags: ['Actors'],
      params: idParams,
      querystring: actorStatementsQuery,
      response: { 200: listResponse, 308: movedResponse, ...problems(...readProblems, 404, 406) }
    }
  }, async (request, reply) => {
    await getActor(app.pool, request.params.id)
    return page(request, reply, { ...request.query, speaker: [request.params.id] })
  })

  getRoute(app, record, { operationId: 'getStatement', summary: 'Get a statement', querystring: statementIncludeQuery, projection: statementProjection }, {
    current: async (id, { include }) => (await expandStatements(app.pool, [await findStatement(app.pool, id)], include))[0],
    asOf: (id, at) => recordAsOf<StatementView>(app.pool, 'statement', id, at, 'Statement')
  })

  createRoute(app, record, {
    operationId: 'createStatement',
    summary: 'Record a statement',
    description: 'The speaker, linked incidents, actors, sources and the statement answered must exist (a 400 names each unknown id). ' +
      'A denial linked to an incident makes it contested.',
    url: '/v1/statements',
    body: createStatementSchema
  }, async (body, keyName) => (await expandStatements(app.pool, [await statements.create(body, keyName)]))[0])

  patchRoute(app, record, {
    operationId: 'updateStatement',
    summary: 'Update a statement (JSON merge patch)',
    description: 'RFC 7386 merge patch: absent fields are kept, `null` clears a field; id lists replace the whole list.',
    body: patchStatementSchema
  }, async (id, patch, keyName, expect) => (await expandStatements(app.pool, [await statements.patch(id, patch, keyName, { expect })]))[0])

  deleteRoute(app, record, {
    operationId: 'deleteStatement',
    summary: 'Delete a statement',
    description: 'Soft delete. A statement still answered by live statements is a 409 listing them.',
    problems: [409]
  }, (id, keyName, expect) => statements.remove(id, keyName, { expect }))
}
