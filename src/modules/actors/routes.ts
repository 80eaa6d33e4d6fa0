import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { bearer } from '../../http/auth.ts'
import { createRoute, deleteRoute, getRoute, mergePatchRule, pageRoute, patchRoute } from '../../http/crud.ts'
import { problems, writeProblems } from '../../http/responses.ts'
import { idParams } from '../../http/schemas.ts'
import { recordAsOf } from '../changes/feed.ts'
import { createActorRepository, listActors } from './repository.ts'
import { getActor, toActor } from './views.ts'
import { createActorMerge } from './merge.ts'
import { actorListQuery, actorPage, actorProjection, actorReadQuery, actorSchema, createActorSchema, mergeActorSchema, patchActorSchema } from './schemas.ts'
import type { ActorView } from './schemas.ts'

const tags = ['Actors']
const record = { url: '/v1/actors/:id', tags, view: actorSchema }

export default async function actorRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const actors = createActorRepository(app.db)
  const merge = createActorMerge(app.db)

  pageRoute(app, '/v1/actors', {
    operationId: 'listActors',
    summary: 'List actors',
    description: 'Filter by name or alias prefix (`q`, case- and accent-insensitive), kind, country, parent or external id.',
    tags,
    querystring: actorListQuery,
    response: actorPage,
    projection: actorProjection
  }, (query, _id, asOf) => listActors(app.pool, query, asOf), toActor)

  getRoute(app, record, {
    operationId: 'getActor',
    summary: 'Get an actor',
    description: 'A merged actor answers 308 with Location pointing at the actor it was merged into.',
    querystring: actorReadQuery,
    projection: actorProjection,
    moved: true
  }, {
    current: async (id) => toActor(await getActor(app.pool, id)),
    asOf: (id, at) => recordAsOf<ActorView>(app.pool, 'actor', id, at, 'Actor')
  })

  r.post('/v1/actors/:id/merge', {
    config: { scope: 'write' },
    schema: {
      operationId: 'mergeActor',
      summary: 'Merge a duplicate actor into another',
      description: 'Moves every reference (incident roles, statements as speaker or subject, casualty reporters and affected parties, member actors) to `into` in one transaction, ' +
        'adds the duplicate\'s name and aliases to the survivor\'s aliases and records `mergedIntoId`; the duplicate\'s id then answers 308. ' +
        'Every record it changes (linked records, members, actors merged into the duplicate before) gets a new version and a change in /v1/changes. ' +
        'If two figures on one incident would then have the same reporter, affected party and category, the merge is a 409 listing the reports naming the duplicate; ' +
        'if `into` is a member of the duplicate (at any depth), a 409 too: move it out first.',
      tags,
      security: bearer,
      params: idParams,
      body: mergeActorSchema,
      response: { 200: actorSchema, ...problems(...writeProblems, 404, 409) }
    }
  }, async (request) => toActor(await merge(request.params.id, request.body.into, request.apiKey?.name ?? null)))

  createRoute(app, record, {
    operationId: 'createActor',
    summary: 'Create an actor',
    description: 'A name or alias equal to an existing actor\'s name or alias (ignoring case and accents) is a 409 naming that actor.',
    url: '/v1/actors',
    body: createActorSchema,
    problems: [409]
  }, async (body, keyName) => toActor(await actors.create(body, keyName)))

  patchRoute(app, record, {
    operationId: 'updateActor',
    summary: 'Update an actor (JSON merge patch)',
    description: mergePatchRule,
    body: patchActorSchema,
    problems: [409]
  }, async (id, patch, keyName, expect) => toActor(await actors.patch(id, patch, keyName, { expect })))

  deleteRoute(app, record, {
    operationId: 'deleteActor',
    summary: 'Delete an actor',
    description: 'Soft delete. An actor still referenced by live incidents, casualty reports, statements or member actors is a 409 listing them. Actors merged into it earlier (their ids answer 308 to it) are deleted with it, each with its own change.',
    problems: [409]
  }, (id, keyName, expect) => actors.remove(id, keyName, { expect }))
}
