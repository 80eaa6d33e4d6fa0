import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { createRoute, deleteRoute, getRoute, patchRoute } from '../../http/crud.ts'
import { sendPage } from '../../http/list.ts'
import { problems, readProblems } from '../../http/responses.ts'
import { idParams } from '../../http/schemas.ts'
import { createCasualtyRepository } from './repository.ts'
import { toCasualtyReport } from './views.ts'
import { casualtyListQuery, casualtyPage, casualtyReportSchema, createCasualtySchema, patchCasualtySchema } from './schemas.ts'

const tags = ['Casualty reports']
const record = { url: '/v1/casualties/:id', tags, view: casualtyReportSchema }
const figureRules = 'Qualifier rules: `range` and `at_most` need `max` (≥ min); the others take no `max`. ' +
  'One report per reporter, incident and category (a second is a 409 naming the first). ' +
  'Every write recomputes the incident\'s fatalities and contested flag in the same transaction.'

export default async function casualtyRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const reports = createCasualtyRepository(app.db)

  r.get('/v1/incidents/:id/casualties', {
    schema: {
      operationId: 'listIncidentCasualties',
      summary: 'List an incident\'s casualty reports',
      description: 'Every figure given about the incident, side by side, oldest first.',
      tags,
      params: idParams,
      querystring: casualtyListQuery,
      response: { 200: casualtyPage, ...problems(...readProblems, 404) }
    }
  }, async (request, reply) => {
    const { rows, total, cursorOf } = await reports.list(request.params.id, request.query)
    const page = sendPage(request, reply, rows, request.query.limit, cursorOf, total)
    return { ...page, data: page.data.map(toCasualtyReport) }
  })

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
    current: async (id) => toCasualtyReport(await reports.get(id))
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
