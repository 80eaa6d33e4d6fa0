import type { FastifyInstance } from 'fastify'
import { createRoute, deleteRoute, getRoute, pageRoute, patchRoute } from '../../http/crud.ts'
import { idParams } from '../../http/schemas.ts'
import { createCasualtyRepository, listCasualtyReports } from './repository.ts'
import { getCasualtyReport, toCasualtyReport } from './views.ts'
import { casualtyListQuery, casualtyPage, casualtyReportSchema, createCasualtySchema, patchCasualtySchema } from './schemas.ts'

const tags = ['Casualty reports']
const record = { url: '/v1/casualties/:id', tags, view: casualtyReportSchema }
const figureRules = 'Qualifier rules: `range` and `at_most` need `max` (≥ min); the others take no `max`. ' +
  'One report per reporter, incident and category (a second is a 409 naming the first). ' +
  'Every write recomputes the incident\'s fatalities and contested flag in the same transaction.'

export default async function casualtyRoutes (app: FastifyInstance) {
  const reports = createCasualtyRepository(app.db)

  pageRoute(app, '/v1/incidents/:id/casualties', {
    operationId: 'listIncidentCasualties',
    summary: 'List an incident\'s casualty reports',
    description: 'Every figure given about the incident, side by side, oldest first.',
    tags,
    nested: true,
    querystring: casualtyListQuery,
    response: casualtyPage
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

  getRoute(app, record, { operationId: 'getCasualtyReport', summary: 'Get a casualty report' }, {
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
