import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { bearer } from '../../http/auth.ts'
import { Problem } from '../../http/problems.ts'
import { problems, writeProblems } from '../../http/responses.ts'
import { importQuery, importResultSchema } from './schemas.ts'
import { runImport } from './service.ts'

const size = (bytes: number) => (bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MiB` : `${bytes} bytes`)

export default async function importRoutes (app: FastifyInstance, opts: { bodyLimit: number }) {
  const r = app.withTypeProvider<ZodTypeProvider>()

  r.post('/v1/import', {
    config: { scope: 'write' },
    bodyLimit: opts.bodyLimit,
    preValidation: async (request) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0].trim()
      if (type !== 'application/x-ndjson') throw new Problem('unsupported-media-type', 'Send the import as application/x-ndjson, one record per line')
    },
    schema: {
      operationId: 'importRecords',
      summary: 'Bulk import (NDJSON)',
      description: 'One record per line: `{ "entity": "actor|source|incident|casualtyReport|statement", "ref": "local-name", "data": { … } }`. ' +
        'In `data`, any id field may be `{ "ref": "local-name" }` naming another line (in any order) or a real id. ' +
        'Every line goes through the same validation as the single-record routes; the import is atomic: all lines are written, or none and a 400 lists ' +
        'every bad line as `{ line, path, message }`. `dryRun=true` validates (including against the database) and writes nothing. ' +
        `Body limit ${size(opts.bodyLimit)}.`,
      tags: ['Import'],
      security: bearer,
      consumes: ['application/x-ndjson'],
      querystring: importQuery,
      body: z.string().describe('NDJSON: one JSON record per line'),
      response: { 200: importResultSchema, ...problems(...writeProblems, 404) }
    }
  }, async (request) => runImport(app.pool, request.body, { dryRun: request.query.dryRun, keyName: request.apiKey?.name ?? null }))
}
