import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { bearer } from '../../http/auth.ts'
import { sendPage } from '../../http/list.ts'
import { problems, readProblems, writeProblems } from '../../http/responses.ts'
import { idParams } from '../../http/schemas.ts'
import { conditionalHeaders, conditionalReadHeaders, ifMatch, notModified, tagged } from '../../http/conditional.ts'
import { createCasualtyRepository, listCasualtyReports } from './repository.ts'
import { getCasualtyReport, toCasualtyReport } from './views.ts'
import { casualtyListQuery, casualtyPage, casualtyReportSchema, createCasualtySchema, patchCasualtySchema } from './schemas.ts'

const tags = ['Casualty reports']
const figureRules = 'Qualifier rules: `range` and `at_most` need `max` (≥ min); the others take no `max`. ' +
  'One report per reporter, incident and category (a second is a 409 naming the first). ' +
  'Every write recomputes the incident\'s fatalities and contested flag in the same transaction.'

export default async function casualtyRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const reports = createCasualtyRepository(app.db)
  const keyName = (request: { apiKey: { name: string } | null }) => request.apiKey?.name ?? null

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
    const { rows, total, cursorOf } = await listCasualtyReports(app.pool, request.params.id, request.query)
    const page = sendPage(request, reply, rows, request.query.limit, cursorOf, total)
    return { ...page, data: page.data.map(toCasualtyReport) }
  })

  r.post('/v1/incidents/:id/casualties', {
    config: { scope: 'write' },
    schema: {
      operationId: 'createCasualtyReport',
      summary: 'Add a casualty report to an incident',
      description: figureRules,
      tags,
      security: bearer,
      params: idParams,
      body: createCasualtySchema,
      response: { 201: casualtyReportSchema, ...problems(...writeProblems, 404, 409) }
    }
  }, async (request, reply) => {
    const row = await reports.create(request.params.id, request.body, keyName(request))
    return reply.code(201).header('location', `/v1/casualties/${row.id}`).send(toCasualtyReport(row))
  })

  r.get('/v1/casualties/:id', {
    schema: {
      operationId: 'getCasualtyReport',
      summary: 'Get a casualty report',
      tags,
      params: idParams,
      headers: conditionalReadHeaders,
      response: { 200: casualtyReportSchema, 304: notModified, ...problems(...readProblems, 404) }
    }
  }, async (request, reply) => {
    const row = await getCasualtyReport(app.pool, request.params.id)
    return tagged(request, reply, row.version, toCasualtyReport(row))
  })

  r.patch('/v1/casualties/:id', {
    config: { scope: 'write' },
    schema: {
      operationId: 'updateCasualtyReport',
      summary: 'Update a casualty report (JSON merge patch)',
      description: figureRules,
      tags,
      security: bearer,
      params: idParams,
      headers: conditionalHeaders,
      body: patchCasualtySchema,
      response: { 200: casualtyReportSchema, ...problems(...writeProblems, 404, 409, 412) }
    }
  }, async (request, reply) => {
    const row = await reports.patch(request.params.id, request.body, keyName(request), { expect: ifMatch(request) })
    reply.header('etag', `"${row.version}"`)
    return toCasualtyReport(row)
  })

  r.delete('/v1/casualties/:id', {
    config: { scope: 'write' },
    schema: {
      operationId: 'deleteCasualtyReport',
      summary: 'Delete a casualty report',
      description: 'Soft delete; the incident\'s fatalities and contested flag are recomputed.',
      tags,
      security: bearer,
      params: idParams,
      headers: conditionalHeaders,
      response: { 204: z.undefined().describe('deleted'), ...problems(...readProblems, 404, 412) }
    }
  }, async (request, reply) => {
    await reports.remove(request.params.id, keyName(request), { expect: ifMatch(request) })
    return reply.code(204).send()
  })
}
