import { createHash } from 'node:crypto'
import { Transform } from 'node:stream'
import type { FastifyInstance, FastifyRequest, RequestPayload } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { bearer } from '../../http/auth.ts'
import { Problem } from '../../http/problems.ts'
import { concurrencyLimit } from '../../http/slots.ts'
import { problems, writeProblems } from '../../http/responses.ts'
import { importQuery, importResultSchema } from './schemas.ts'
import { runImport } from './service.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** SHA-256 of the raw body, taken as it arrived (the import's, when an Idempotency-Key is sent) */
    bodyDigest: string | null
  }
}

// The Idempotency-Key check compares the body: its digest is taken from the bytes as they
// arrive, so a 64 MiB body is not serialised again (and copied twice more) only to hash it.
const digestBody = async (request: FastifyRequest, _reply: unknown, payload: RequestPayload) => {
  if (request.headers['idempotency-key'] === undefined) return payload
  const digest = createHash('sha256')
  const tap = new Transform({
    transform (chunk, _encoding, done) {
      digest.update(chunk)
      done(null, chunk)
    },
    flush (done) {
      request.bodyDigest = digest.digest('hex')
      done()
    }
  })
  payload.once('error', (err) => tap.destroy(err))
  return payload.pipe(tap)
}

const size = (bytes: number) => (bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MiB` : `${bytes} bytes`)

export default async function importRoutes (app: FastifyInstance, opts: { bodyLimit: number, total: number }) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  // An import holds its whole file, parsed, while it is checked (all or nothing): about 13 times the
  // body at its peak (870 MB for 64 MiB, bench/import-rss.ts). Capping how many run at once bounds memory.
  const slots = concurrencyLimit('imports', opts.total, 5)
  const releases = new WeakMap<object, () => void>()
  const release = async (request: object) => { releases.get(request)?.() }
  app.decorateRequest('bodyDigest', null)

  r.post('/v1/import', {
    config: { scope: 'write' },
    bodyLimit: opts.bodyLimit,
    // Taken after authentication and before the body is read; given back however the request ends.
    preParsing: [async (request) => { releases.set(request, slots.acquire([])) }, digestBody],
    onResponse: release,
    onRequestAbort: release,
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
        `Body limit ${size(opts.bodyLimit)}. At most ${opts.total} imports run at once per API process (IMPORTS_TOTAL); past that, 429 with Retry-After.`,
      tags: ['Import'],
      security: bearer,
      consumes: ['application/x-ndjson'],
      querystring: importQuery,
      body: z.string().describe('NDJSON: one JSON record per line'),
      response: { 200: importResultSchema, ...problems(...writeProblems, 404) }
    }
  }, async (request) => {
    const text = request.body
    // The request would hold the text (up to 64 MiB, twice that as UTF-16) until the import is written;
    // without it, the text can be collected as soon as its lines are parsed.
    request.body = ''
    return runImport(app.pool, text, { dryRun: request.query.dryRun, keyName: request.apiKey?.name ?? null })
  })
}
