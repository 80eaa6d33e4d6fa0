import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { createRoute, deleteRoute, getRoute, patchRoute } from '../../http/crud.ts'
import { sendPage } from '../../http/list.ts'
import { listContent, listOrExport } from '../../http/list-export.ts'
import { incidentExport, incidentExportOf, incidentPoint } from './export.ts'
import { acledColumns, toAcledRows } from './acled-export.ts'
import { movedResponse, problems, readProblems } from '../../http/responses.ts'
import { idParams } from '../../http/schemas.ts'
import { validationProblem } from '../../http/problems.ts'
import { recordAsOf } from '../changes/feed.ts'
import { getActor } from '../actors/views.ts'
import { createIncidentRepository, incidentExportSql, listIncidents, listIncidentsAsOf, listRelated } from './repository.ts'
import { snapshotOf } from '../../http/snapshot.ts'
import { findIncident, loadIncidentRows, toIncident } from './views.ts'
import { expandIncidents } from './expand.ts'
import { accountsSchema, incidentAccounts } from './accounts.ts'
import {
  actorIncidentsQuery, createIncidentSchema, relatedPage, relatedQuery, includeQuery, incidentFormats, incidentListQuery, incidentPage, incidentProjection, incidentSchema, patchIncidentSchema,
  type IncidentListQuery, type IncidentView
} from './schemas.ts'

const tags = ['Incidents']
const record = { url: '/v1/incidents/:id', tags, view: incidentSchema }

const listResponse = listContent('A page of incidents (JSON), or every match streamed as NDJSON, CSV, GeoJSON, Parquet or ACLED\'s CSV', incidentPage, incidentSchema, incidentFormats, incidentProjection)

export default async function incidentRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const incidents = createIncidentRepository(app.db)
  const list = (q: Parameters<typeof listIncidents>[1]) => listIncidents(app.pool, q)

  async function respond (request: FastifyRequest, reply: FastifyReply, query: IncidentListQuery) {
    const { include, format, fields, asOf: _asOf, ...q } = query
    const snapshot = await snapshotOf(request)
    if (snapshot) {
      // ACLED's rows name today's actors, as include= would: the past has neither
      if (format === 'acled-csv') throw validationProblem([{ in: 'query', path: 'format', message: 'format=acled-csv cannot be combined with asOf' }])
      const pastList = (b: typeof q & { hasLocation?: boolean }) => listIncidentsAsOf(app.pool, snapshot.seq, b)
      return listOrExport(request, reply, q, format, {
        formats: incidentFormats,
        list: pastList,
        views: async (rows) => rows.map((row) => JSON.parse(row.view) as IncidentView),
        shape: incidentExportOf('log'),
        point: incidentPoint,
        filename: 'incidents',
        fields,
        exportList: (filters, to) => ({ list: pastList, query: { ...filters, hasLocation: to === 'geojson' || undefined, includeTotal: false } }),
        copy: (filters, to, shape) => incidentExportSql(filters, to, shape, snapshot.seq)
      })
    }
    return listOrExport(request, reply, q, format, {
      formats: incidentFormats,
      list,
      views: (rows) => expandIncidents(app.pool, rows, include),
      shape: incidentExport,
      point: incidentPoint,
      filename: 'incidents',
      fields,
      acled: { columns: acledColumns, rows: (views) => toAcledRows(app.pool, views) },
      exportList: (filters, to) => ({
        list: (b) => listIncidents(app.pool, b),
        query: { ...filters, hasLocation: to === 'geojson' || undefined, includeTotal: false }
      }),
      copy: include?.length ? undefined : (filters, format, shape) => incidentExportSql(filters, format, shape)
    })
  }

  r.get('/v1/incidents', {
    schema: {
      operationId: 'listIncidents',
      summary: 'List incidents',
      description: 'Every filter combines with AND; comma-separated values within one filter mean "any of". ' +
        'Sorted by `-occurredAt` by default; `fatalities` sorts on fatalities.best with incidents without figures last. ' +
        'With `format` (or Accept) ndjson, csv or geojson, every match streams in this order (GeoJSON: those with a location).',
      tags,
      querystring: incidentListQuery,
      response: { 200: listResponse, ...problems(...readProblems, 406) }
    }
  }, (request, reply) => respond(request, reply, request.query))

  r.get('/v1/actors/:id/incidents', {
    schema: {
      operationId: 'listActorIncidents',
      summary: 'List an actor\'s incidents',
      description: 'Incidents the actor is linked to in any role (restrict with actorRole); takes every other incident filter.',
      tags: ['Actors'],
      params: idParams,
      querystring: actorIncidentsQuery,
      response: { 200: listResponse, 308: movedResponse, ...problems(...readProblems, 404, 406) }
    }
  }, async (request, reply) => {
    await getActor(app.pool, request.params.id)
    return respond(request, reply, { ...request.query, actor: [request.params.id] })
  })

  getRoute(app, record, { operationId: 'getIncident', summary: 'Get an incident', querystring: includeQuery, projection: incidentProjection }, {
    current: async (id, { include }) => (await expandIncidents(app.pool, [await findIncident(app.pool, id)], include))[0],
    asOf: (id, at) => recordAsOf<IncidentView>(app.pool, 'incident', id, at, 'Incident')
  })

  r.get('/v1/incidents/:id/accounts', {
    schema: {
      operationId: 'getIncidentAccounts',
      summary: 'Who says what about an incident',
      description: 'One entry per actor that made a statement or gave a casualty figure about the incident, with the roll-up and contested flag.',
      tags,
      params: idParams,
      response: { 200: accountsSchema, ...problems(...readProblems, 404) }
    }
  }, async (request) => incidentAccounts(app.pool, toIncident(await findIncident(app.pool, request.params.id))))

  r.get('/v1/incidents/:id/related', {
    schema: {
      operationId: 'listRelatedIncidents',
      summary: 'Incidents linked to an incident',
      description: 'Every relation the incident takes part in, in both directions: `outgoing` ones are stored on it (its `relations`), ' +
        '`incoming` ones on the other incident. Only live incidents on the other end. Outgoing first, then by kind and the other incident\'s id.',
      tags,
      params: idParams,
      querystring: relatedQuery,
      response: { 200: relatedPage, ...problems(...readProblems, 404) }
    }
  }, async (request, reply) => {
    const { include, ...q } = request.query
    await findIncident(app.pool, request.params.id)
    const { rows, total, cursorOf } = await listRelated(app.pool, request.params.id, q)
    const page = sendPage(request, reply, rows, q.limit, cursorOf, total)
    const others = include ? new Map((await expandIncidents(app.pool, await loadIncidentRows(app.pool, page.data.map((row) => row.incidentId)))).map((v) => [v.id, v])) : undefined
    return {
      ...page,
      data: page.data.map(({ rank: _rank, id: _id, ...row }) => ({ ...row, ...(others ? { incident: others.get(row.incidentId) } : {}) }))
    }
  })

  createRoute(app, record, {
    operationId: 'createIncident',
    summary: 'Create an incident',
    description: 'Actors and sources must exist (a 400 names each unknown id). countryCodes defaults to the location\'s country, which is always included. ' +
      'An id in `externalIds` that another live incident holds is a 409 naming that incident.',
    url: '/v1/incidents',
    body: createIncidentSchema,
    problems: [409]
  }, async (body, keyName) => (await expandIncidents(app.pool, [await incidents.create(body, keyName)]))[0])

  patchRoute(app, record, {
    operationId: 'updateIncident',
    summary: 'Update an incident (JSON merge patch)',
    description: 'RFC 7386 merge patch: absent fields are kept, `null` clears a field; `actors`, `tags` and `sourceIds` replace the whole list. fatalities and contested are derived and cannot be set. ' +
      '`externalIds` replaces the whole set; an id another live incident holds is a 409 naming that incident.',
    body: patchIncidentSchema,
    problems: [409]
  }, async (id, patch, keyName, expect) => (await expandIncidents(app.pool, [await incidents.patch(id, patch, keyName, { expect })]))[0])

  deleteRoute(app, record, {
    operationId: 'deleteIncident',
    summary: 'Delete an incident',
    description: 'Soft delete: the incident and its casualty reports disappear from reads and feed `deleted` changes. ' +
      'An incident that live incidents still relate to is a 409 listing them; remove those relations first.',
    problems: [409]
  }, (id, keyName, expect) => incidents.remove(id, keyName, { expect }))
}
