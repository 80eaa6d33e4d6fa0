import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { bearer } from '../../http/auth.ts'
import { sendPage } from '../../http/list.ts'
import { problems, readProblems, writeProblems } from '../../http/responses.ts'
import { asOfParam, idParams } from '../../http/schemas.ts'
import { conditionalHeaders, conditionalReadHeaders, ifMatch, notModified, tagged } from '../../http/conditional.ts'
import { recordAsOf } from '../changes/feed.ts'
import { createActorRepository, listActors } from './repository.ts'
import { getActor, toActor } from './views.ts'
import { createActorMerge } from './merge.ts'
import { actorListQuery, actorPage, actorSchema, createActorSchema, mergeActorSchema, patchActorSchema } from './schemas.ts'
import type { ActorView } from './schemas.ts'
import { movedResponse } from '../../http/responses.ts'

const tags = ['Actors']

export default async function actorRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const actors = createActorRepository(app.db)
  const merge = createActorMerge(app.db)

  r.get('/v1/actors', {
    schema: {
      operationId: 'listActors',
      summary: 'List actors',
      description: 'Filter by name or alias prefix (`q`, case- and accent-insensitive), kind, country, parent or external id.',
      tags,
      querystring: actorListQuery,
      response: { 200: actorPage, ...problems(...readProblems) }
    }
  }, async (request, reply) => {
    const { rows, total, cursorOf } = await listActors(app.pool, request.query)
    const page = sendPage(request, reply, rows, request.query.limit, cursorOf, total)
    return { ...page, data: page.data.map(toActor) }
  })

  r.get('/v1/actors/:id', {
    schema: {
      operationId: 'getActor',
      summary: 'Get an actor',
      tags,
      description: 'A merged actor answers 308 with Location pointing at the actor it was merged into.',
      params: idParams,
      querystring: z.strictObject({ asOf: asOfParam }),
      headers: conditionalReadHeaders,
      response: { 200: actorSchema, 304: notModified, 308: movedResponse, ...problems(...readProblems, 404) }
    }
  }, async (request, reply) => {
    const { asOf } = request.query
    if (asOf) return recordAsOf<ActorView>(app.pool, 'actor', request.params.id, asOf, 'Actor')
    const row = await getActor(app.pool, request.params.id)
    return tagged(request, reply, row.version, toActor(row))
  })

  r.post('/v1/actors/:id/merge', {
    config: { scope: 'write' },
    schema: {
      operationId: 'mergeActor',
      summary: 'Merge a duplicate actor into another',
      description: 'Moves every reference (incident roles, statements as speaker or subject, casualty reporters, member actors) to `into` in one transaction, ' +
        'adds the duplicate\'s name and aliases to the survivor\'s aliases and records `mergedIntoId`; the duplicate\'s id then answers 308. ' +
        'Every record it changes (linked records, members, actors merged into the duplicate before) gets a new version and a change in /v1/changes. ' +
        'If both actors gave a figure in the same category on the same incident, the merge is a 409 listing those reports; ' +
        'if `into` is a member of the duplicate (at any depth), a 409 too: move it out first.',
      tags,
      security: bearer,
      params: idParams,
      body: mergeActorSchema,
      response: { 200: actorSchema, ...problems(...writeProblems, 404, 409) }
    }
  }, async (request) => toActor(await merge(request.params.id, request.body.into, request.apiKey?.name ?? null)))

  r.post('/v1/actors', {
    config: { scope: 'write' },
    schema: {
      operationId: 'createActor',
      summary: 'Create an actor',
      description: 'A name or alias equal to an existing actor\'s name or alias (ignoring case and accents) is a 409 naming that actor.',
      tags,
      security: bearer,
      body: createActorSchema,
      response: { 201: actorSchema, ...problems(...writeProblems, 409) }
    }
  }, async (request, reply) => {
    const row = await actors.create(request.body, request.apiKey?.name ?? null)
    return reply.code(201).header('location', `/v1/actors/${row.id}`).send(toActor(row))
  })

  r.patch('/v1/actors/:id', {
    config: { scope: 'write' },
    schema: {
      operationId: 'updateActor',
      summary: 'Update an actor (JSON merge patch)',
      description: 'RFC 7386 merge patch: absent fields are kept, `null` clears a field.',
      tags,
      security: bearer,
      params: idParams,
      headers: conditionalHeaders,
      body: patchActorSchema,
      response: { 200: actorSchema, ...problems(...writeProblems, 404, 409, 412) }
    }
  }, async (request, reply) => {
    const row = await actors.patch(request.params.id, request.body, request.apiKey?.name ?? null, { expect: ifMatch(request) })
    reply.header('etag', `"${row.version}"`)
    return toActor(row)
  })

  r.delete('/v1/actors/:id', {
    config: { scope: 'write' },
    schema: {
      operationId: 'deleteActor',
      summary: 'Delete an actor',
      description: 'Soft delete. An actor still referenced by live incidents, casualty reports, statements or member actors is a 409 listing them. Actors merged into it earlier (their ids answer 308 to it) are deleted with it, each with its own change.',
      tags,
      security: bearer,
      params: idParams,
      headers: conditionalHeaders,
      response: { 204: z.undefined().describe('deleted'), ...problems(...readProblems, 404, 409, 412) }
    }
  }, async (request, reply) => {
    await actors.remove(request.params.id, request.apiKey?.name ?? null, { expect: ifMatch(request) })
    return reply.code(204).send()
  })
}
