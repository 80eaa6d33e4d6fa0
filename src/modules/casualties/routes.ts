import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { createRoute, deleteRoute, getRoute, pageRoute, patchRoute } from '../../http/crud.ts'
import { listContent, listOrExport } from '../../http/list-export.ts'
import { problems, readProblems } from '../../http/responses.ts'
import { idParams } from '../../http/schemas.ts'
import { casualtyExportSql, createCasualtyRepository, listCasualties, listCasualtiesAsOf, listCasualtyReports } from './repository.ts'
import { snapshotOf } from '../../http/snapshot.ts'
import { getCasualtyReport, toCasualtyReport } from './views.ts'
import { expandCasualties } from './expand.ts'
import { casualtyExport, casualtyExportOf } from './export.ts'
import { casualtyLedgerFieldsQuery, casualtyLedgerItemSchema, casualtyLedgerPage, casualtyLedgerProjection } from './ledger-schemas.ts'
import {
  type CasualtyReportView, casualtyFormats, casualtyListQuery, casualtyPage, casualtyProjection, casualtyReadQuery, casualtyReportSchema, createCasualtySchema, patchCasualtySchema
} from './schemas.ts'

const tags = ['Casualty reports']
const record = { url: '/v1/casualties/:id', tags, view: casualtyReportSchema }
const figureRules = 'Qualifier rules: `range` and `at_most` need `max` (≥ min); the others take no `max`. ' +
  '`unquantified` (a figure the source gives only in words) needs `phrase` (≤ 40 characters, "multiple"), `min` ≥ 1 (the least number ' +
  'the phrase implies) and no `max`; `phrase` with any other qualifier is a 400. The roll-up counts it as `at_least` min. ' +
  'One live report per incident, reporter, affected party (`affectedActorId`) and category (a second is a 409 naming the first). ' +
  'Every write recomputes the incident\'s fatalities and contested flag in the same transaction.'

const ledgerResponse = listContent('A page of casualty reports (JSON), or every match streamed as NDJSON, CSV or Parquet', casualtyLedgerPage,
  casualtyLedgerItemSchema, casualtyFormats, casualtyLedgerProjection)

export default async function casualtyRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const reports = createCasualtyRepository(app.db)
  const ledger = (q: Parameters<typeof listCasualties>[1]) => listCasualties(app.pool, q)

  r.get('/v1/casualties', {
    schema: {
      operationId: 'listCasualties',
      summary: 'List casualty reports across incidents (the casualty ledger)',
      description: 'Every live casualty report. Every filter combines with AND; comma-separated values within one filter mean "any of"; ' +
        '`country`, `from` and `to` are the incident\'s (its countryCodes and occurredAt). Sorted by `createdAt` by default; ' +
        '`reportedAt` sorts reports without it last, in either direction. With `format` (or Accept) ndjson or csv, every match streams in this order.',
      tags,
      querystring: casualtyLedgerFieldsQuery,
      response: { 200: ledgerResponse, ...problems(...readProblems, 406) }
    }
  }, async (request, reply) => {
    const { include, format, fields, asOf: _asOf, ...q } = request.query
    const snapshot = await snapshotOf(request)
    if (snapshot) {
      return listOrExport(request, reply, q, format, {
        formats: casualtyFormats,
        list: (b) => listCasualtiesAsOf(app.pool, snapshot.seq, b),
        views: async (rows) => rows.map((row) => JSON.parse(row.view) as CasualtyReportView),
        shape: casualtyExportOf('log'),
        filename: 'casualties',
        fields,
        copy: (filters, to, shape) => casualtyExportSql(filters, to as 'ndjson' | 'csv', shape, snapshot.seq)
      })
    }
    return listOrExport(request, reply, q, format, {
      formats: casualtyFormats,
      list: ledger,
      views: (rows) => expandCasualties(app.pool, rows, include),
      shape: casualtyExport,
      filename: 'casualties',
      fields,
      copy: include?.length ? undefined : (filters, format, shape) => casualtyExportSql(filters, format as 'ndjson' | 'csv', shape)
    })
  })

  pageRoute(app, '/v1/incidents/:id/casualties', {
    operationId: 'listIncidentCasualties',
    summary: 'List an incident\'s casualty reports',
    description: 'Every figure given about the incident, side by side, oldest first.',
    tags,
    nested: true,
    querystring: casualtyListQuery,
    response: casualtyPage,
    projection: casualtyProjection
  }, (query, incidentId) => listCasualtyReports(app.pool, incidentId, query), toCasualtyReport)

  createRoute(app, record, {
    operationId: 'createCasualtyReport',
    summary: 'Add a casualty report to an incident',
    description: figureRules,
    url: '/v1/incidents/:id/casualties',
    params: idParams,
    body: createCasualtySchema,
    problems: [404, 409]
  }, async (body, keyName, { id }) => toCasualtyReport(await reports.create(id, body, keyName)))

  getRoute(app, record, { operationId: 'getCasualtyReport', summary: 'Get a casualty report', querystring: casualtyReadQuery, projection: casualtyProjection }, {
    current: async (id) => toCasualtyReport(await getCasualtyReport(app.pool, id))
  })

  patchRoute(app, record, {
    operationId: 'updateCasualtyReport',
    summary: 'Update a casualty report (JSON merge patch)',
    description: figureRules,
    body: patchCasualtySchema,
    problems: [409]
  }, async (id, patch, keyName, expect) => toCasualtyReport(await reports.patch(id, patch, keyName, { expect })))

  deleteRoute(app, record, {
    operationId: 'deleteCasualtyReport',
    summary: 'Delete a casualty report',
    description: 'Soft delete; the incident\'s fatalities and contested flag are recomputed.'
  }, (id, keyName, expect) => reports.remove(id, keyName, { expect }))
}
