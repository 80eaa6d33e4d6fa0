import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { sendPage } from '../../http/list.ts'
import { problems, readProblems } from '../../http/responses.ts'
import { createTimelineRepository } from './repository.ts'
import { timelinePage, timelineQuery } from './schemas.ts'

export default async function timelineRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const timeline = createTimelineRepository(app.pool)

  r.get('/v1/timeline', {
    schema: {
      operationId: 'getTimeline',
      summary: 'Incidents and statements merged by time',
      description: 'Newest first, cursor-paginated across both kinds. `at` is occurredAt for incidents and statedAt for statements.',
      tags: ['Timeline'],
      querystring: timelineQuery,
      response: { 200: timelinePage, ...problems(...readProblems) }
    }
  }, async (request, reply) => {
    const { rows, cursorOf } = await timeline.page(request.query)
    return sendPage(request, reply, rows, request.query.limit, cursorOf)
  })
}
