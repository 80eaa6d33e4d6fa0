import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { problemCatalogue, problemTypes } from '../../http/problems.ts'
import { problems } from '../../http/responses.ts'

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string)

export default async function docsRoutes (app: FastifyInstance) {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  r.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/yaml').send(app.swagger({ yaml: true })))

  r.get('/problems/:type', {
    schema: {
      operationId: 'getProblemType',
      summary: 'Describe a problem type',
      description: 'The human-readable page behind each problem `type` URI.',
      tags: ['Operations'],
      params: z.object({ type: z.enum(problemTypes).describe('problem type') }),
      response: {
        200: { description: 'an HTML page describing the problem type', content: { 'text/html': { schema: z.string() } } },
        ...problems(400, 404)
      }
    }
  }, async (request, reply) => {
    const p = problemCatalogue[request.params.type]
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(p.title)}</title></head>` +
      `<body><h1>${p.status} ${escape(p.title)}</h1><p>${escape(p.description)}</p>` +
      `<p>Type: <code>/problems/${request.params.type}</code>. Responses of this type use <code>application/problem+json</code> (RFC 9457).</p></body></html>`
    return reply.type('text/html; charset=utf-8').send(html)
  })
}
