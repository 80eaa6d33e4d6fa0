import { z } from 'zod'

// The one catalogue of problem types (RFC 9457). Each type is served as a page at /problems/{type}.
export const problemCatalogue = {
  validation: { status: 400, title: 'Invalid request', description: 'A path parameter, query parameter, header or body field is missing or invalid. `errors` lists every bad field with where it is (`in`), its `path` and a message.' },
  unauthorized: { status: 401, title: 'Authentication required', description: 'The request needs `Authorization: Bearer <api key>` with a valid, unrevoked key.' },
  forbidden: { status: 403, title: 'Insufficient scope', description: 'The API key is valid but lacks the scope this operation needs (read, write or admin).' },
  'not-found': { status: 404, title: 'Not found', description: 'No live record or route matches the request. Deleted records are not found.' },
  conflict: { status: 409, title: 'Conflict', description: 'The request conflicts with existing data: a duplicate name, URL or dataset id (the `existing` member names the record), or a delete of a record that live records still reference (`referrers` lists them).' },
  'not-acceptable': { status: 406, title: 'Not acceptable', description: 'The Accept header asks for a representation this endpoint does not offer.' },
  'request-timeout': { status: 408, title: 'Request timeout', description: 'The request, headers and body, did not arrive within the time the server allows (30 s by default); the connection is closed.' },
  'precondition-failed': { status: 412, title: 'Precondition failed', description: 'The If-Match header does not match the current ETag of the record.' },
  'payload-too-large': { status: 413, title: 'Payload too large', description: 'The request body exceeds the limit of this endpoint.' },
  'uri-too-long': { status: 414, title: 'URI too long', description: 'The path and query string are longer than the server accepts (8192 characters by default). Send fewer or shorter filter values.' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type', description: 'The request body has a Content-Type this endpoint does not accept (JSON endpoints take application/json or application/merge-patch+json).' },
  'rate-limited': { status: 429, title: 'Too many requests', description: 'The per-key (or per-IP) request budget is spent, the client address sent too many bad API keys, or too many event streams or streaming exports are open (per client or in all); retry after the number of seconds in Retry-After.' },
  'headers-too-large': { status: 431, title: 'Request header fields too large', description: 'The request line and headers together are larger than the server accepts (16 KiB); the connection is closed.' },
  internal: { status: 500, title: 'Internal error', description: 'An unexpected error. It is always a bug; the response never contains internals. Quote the request id when reporting it.' },
  unavailable: { status: 503, title: 'Service unavailable', description: 'The database is unreachable, the service is overloaded, or the query ran longer than the statement timeout (15 s by default; narrow its filters); retry after the number of seconds in Retry-After.' }
} as const

export type ProblemType = keyof typeof problemCatalogue

export const problemTypes = Object.keys(problemCatalogue) as ProblemType[]

export const fieldErrorSchema = z.object({
  in: z.enum(['path', 'query', 'header', 'body']),
  line: z.number().int().optional().describe('bulk import: the 1-based line of the NDJSON body'),
  path: z.string().describe('dotted path of the field, empty for the whole part'),
  message: z.string()
}).meta({ id: 'FieldError' })

export const problemSchema = z.object({
  type: z.string().describe('relative URI of the problem type; GET it for a description').meta({ example: '/problems/validation' }),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional().describe('the request path and query'),
  requestId: z.string().optional(),
  errors: z.array(fieldErrorSchema).optional(),
  existing: z.object({ id: z.string(), name: z.string().optional(), url: z.string().optional(), title: z.string().optional() }).optional()
    .describe('on a duplicate: the record that already exists'),
  referrers: z.array(z.object({ entity: z.string(), id: z.string() })).optional()
    .describe('on a refused delete: live records that still reference this one')
}).meta({ id: 'Problem' })

export type ProblemBody = z.infer<typeof problemSchema>
export type FieldError = z.infer<typeof fieldErrorSchema>

export class Problem extends Error {
  readonly type: ProblemType
  readonly status: number
  readonly extra: Partial<ProblemBody>
  readonly headers: Record<string, string>

  constructor (type: ProblemType, detail: string, extra: Partial<ProblemBody> = {}, headers: Record<string, string> = {}) {
    super(detail)
    this.type = type
    this.status = problemCatalogue[type].status
    this.extra = extra
    this.headers = headers
  }
}

export const notFound = (what: string, id: string) => new Problem('not-found', `${what} ${id} does not exist`)

export function validationProblem (errors: FieldError[], detail?: string): Problem {
  const first = errors[0]
  const where = first ? `${first.in}${first.path ? ` ${first.path}` : ''}: ${first.message}` : 'invalid request'
  return new Problem('validation', detail ?? (errors.length > 1 ? `${where} (and ${errors.length - 1} more)` : where), { errors })
}

export function problemBody (p: Problem, instance: string, requestId: string): ProblemBody {
  const { title } = problemCatalogue[p.type]
  return { type: `/problems/${p.type}`, title, status: p.status, detail: p.message, instance, requestId, ...p.extra }
}

/** A record that now lives under another id (a merged actor): answered with 308 and a Location. */
export class Moved extends Error {
  constructor (readonly fromId: string, readonly toId: string) {
    super(`moved to ${toId}`)
  }
}
