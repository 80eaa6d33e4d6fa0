import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { problems } from '../../http/responses.ts'

export default async function metricsRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get('/metrics', {
    schema: {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      description: 'Prometheus text exposition format: `http_requests_total` and `http_request_duration_seconds` by method, route pattern and status; ' +
        '`db_pool_connections` (by state: in_use, idle) and `db_pool_waiting_requests`; Node.js process metrics such as `nodejs_eventloop_lag_seconds`. ' +
        'Never rate limited or shed under load.',
      tags: ['Operations'],
      response: {
        200: { description: 'the metrics in Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } },
        // Unknown query parameters and the request-target limit apply to every route.
        400: problems(400)[400],
        414: problems()[414]
      }
    }
  }, async (_request, reply) => reply.type(app.metrics.contentType).send(await app.metrics.metrics()))
}
