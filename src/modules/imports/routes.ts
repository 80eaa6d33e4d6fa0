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
import { runDatasetImport } from './external/index.ts'

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
  // Dataset exports (from=acled|ucdp-ged) arrive as CSV text; only this route reads it.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body))

  r.post('/v1/import', {
    config: { scope: 'write' },
    bodyLimit: opts.bodyLimit,
    // Taken after authentication and before the body is read; given back however the request ends.
    preParsing: [async (request) => { releases.set(request, slots.acquire([])) }, digestBody],
    onResponse: release,
    onRequestAbort: release,
    preValidation: async (request) => {
      // A bad query parameter is the 400 validation gives, whatever the body's type.
      if (!importQuery.safeParse(request.query).success) return
      const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
      const from = (request.query as { from?: string }).from
      if (from !== undefined && type !== 'text/csv') throw new Problem('unsupported-media-type', `Send a from=${from} import as text/csv, the dataset's CSV export`)
      if (from === undefined && type !== 'application/x-ndjson') {
        throw new Problem('unsupported-media-type', 'Send the import as application/x-ndjson, one record per line (or a dataset\'s CSV export as text/csv with from=acled|ucdp-ged)')
      }
    },
    schema: {
      operationId: 'importRecords',
      summary: 'Bulk import (NDJSON)',
      description: 'One record per line: `{ "entity": "actor|source|incident|casualtyReport|statement", "ref": "local-name", "data": { … } }`. ' +
        'In `data`, any id field may be `{ "ref": "local-name" }` naming another line (in any order) or a real id. ' +
        'Every line goes through the same validation as the single-record routes; the import is atomic: all lines are written, or none and a 400 lists ' +
        'every bad line as `{ line, path, message }`. `dryRun=true` validates (including against the database) and writes nothing. ' +
        'With `from=acled` or `from=ucdp-ged` the body is that dataset\'s CSV export (`text/csv`): each row becomes an incident (its dataset id in ' +
        '`externalIds`), its actors (matched by their ACLED name or UCDP id, or by name, else created), a source, and casualty reports given by the ' +
        'dataset as an actor. Importing a file again rewrites the incidents it finds by their dataset ids (`updated`; those that did not change count as ' +
        '`unchanged`); a row that cannot be mapped is listed with its line in the 400. ' +
        `Body limit ${size(opts.bodyLimit)}. At most ${opts.total} imports run at once per API process (IMPORTS_TOTAL); past that, 429 with Retry-After.`,
      tags: ['Import'],
      security: bearer,
      consumes: ['application/x-ndjson', 'text/csv'],
      querystring: importQuery,
      body: z.string().describe('NDJSON: one JSON record per line; with from=, the dataset\'s CSV export'),
      response: { 200: importResultSchema, ...problems(...writeProblems, 404) }
    }
  }, async (request) => {
    const text = request.body
    // The request would hold the text (up to 64 MiB, twice that as UTF-16) until the import is written;
    // without it, the text can be collected as soon as its lines are parsed.
    request.body = ''
    const opts = { dryRun: request.query.dryRun, keyName: request.apiKey?.name ?? null }
    return request.query.from ? runDatasetImport(app.pool, request.query.from, text, opts) : runImport(app.pool, text, opts)
  })
}
