import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { pendingMigrations } from '../../db/migrate.ts'
import { Problem } from '../../http/problems.ts'
import { problems } from '../../http/responses.ts'

const tags = ['Operations']

export default async function healthRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get('/healthz', {
    schema: {
      operationId: 'getHealth',
      summary: 'Liveness',
      description: 'Answers while the process runs; does not touch the database.',
      tags,
      response: { 200: z.object({ status: z.literal('ok') }), 400: problems(400)[400], 414: problems()[414] }
    }
  }, async () => ({ status: 'ok' as const }))

  r.get('/readyz', {
    schema: {
      operationId: 'getReadiness',
      summary: 'Readiness',
      description: 'Ready when the database answers and every migration is applied.',
      tags,
      response: { 200: z.object({ status: z.literal('ready') }), 400: problems(400)[400], 414: problems()[414], 503: problems()[503] }
    }
  }, async () => {
    let pending: string[]
    try {
      pending = await pendingMigrations((sql) => app.pool.query(sql))
    } catch {
      throw new Problem('unavailable', 'The database is unreachable', {}, { 'retry-after': '5' })
    }
    if (pending.length > 0) {
      throw new Problem('unavailable', `Migrations pending: ${pending.join(', ')}`, {}, { 'retry-after': '5' })
    }
    return { status: 'ready' as const }
  })
}
