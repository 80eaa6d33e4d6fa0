import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'

export const pageSchema = z.object({
  limit: z.number().int(),
  nextCursor: z.string().nullable().describe('pass as `cursor` to get the next page; null on the last page'),
  total: z.number().int().optional().describe('exact count of all matches, with includeTotal=true')
}).meta({ id: 'Page' })

export function pageOf<T extends z.ZodType> (item: T) {
  return z.object({ data: z.array(item), page: pageSchema })
}

export const uuidSchema = z.uuid()

/** true or false, nothing else: a typo must not flip a filter. */
export const queryBool = () => z.enum(['true', 'false']).transform((v) => v === 'true')

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

// Comma lists are validated by a pattern, so the spec documents the allowed values machine-readably.
function commaPattern (item: string) {
  return new RegExp(`^(?:${item})(?:,(?:${item}))*$`)
}

export function commaList<const T extends readonly [string, ...string[]]> (values: T, what: string) {
  return z.string()
    .regex(commaPattern(values.map(escapeRe).join('|')), `must be a comma-separated list of: ${values.join(', ')}`)
    .transform((s) => s.split(',') as Array<T[number]>)
    .describe(`${what}; comma-separated, any of: ${values.join(', ')}`)
}

const uuidPattern = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'

export function commaUuids (what: string) {
  return z.string()
    .regex(commaPattern(uuidPattern), 'must be a comma-separated list of ids')
    .transform((s) => s.split(','))
    .pipe(z.array(z.string()).max(100, 'at most 100 ids'))
    .describe(`${what}; comma-separated ids, any of`)
}

export const countryCodeSchema = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code in upper case')

export function commaCountries (what: string) {
  return z.string()
    .regex(commaPattern('[A-Z]{2}'), 'must be a comma-separated list of ISO 3166-1 alpha-2 codes in upper case')
    .transform((s) => s.split(','))
    .describe(`${what}; comma-separated ISO 3166-1 alpha-2 codes, any of`)
}

// PostgreSQL has no year 0, and the API answers with four-digit years: an instant must fall in
// 0001–9999 once its offset is applied ("0000-01-01" or "9999-12-31T23:59:59-01:00" would not).
const firstInstant = Date.parse('0001-01-01T00:00:00.000Z')
const lastInstant = Date.parse('9999-12-31T23:59:59.999Z')
export const inInstantRange = (d: Date) => d.getTime() >= firstInstant && d.getTime() <= lastInstant
export const instantRangeMessage = 'must fall between 0001-01-01 and 9999-12-31 (UTC)'

// A date (2025-10-09, midnight UTC) or a full RFC 3339 timestamp.
export const instantSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })])
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00.000Z` : s))
  .refine(inInstantRange, instantRangeMessage)
  .describe('a date (YYYY-MM-DD, UTC midnight) or an RFC 3339 timestamp')

export function listQueryShape<const S extends readonly [string, ...string[]]> (sortFields: S, defaultSort: `${'' | '-'}${S[number]}`) {
  const sorts = sortFields.flatMap((f) => [f, `-${f}`]) as [string, ...string[]]
  return {
    limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size, 1..500'),
    cursor: z.string().min(1, 'must not be empty; leave cursor out for the first page').max(2000).optional().describe('opaque cursor from page.nextCursor'),
    includeTotal: queryBool().default(false).describe('add page.total, the exact count of all matches'),
    sort: z.enum(sorts).default(defaultSort).describe(`sort field, prefix - for descending; one of ${sortFields.join(', ')}`)
  }
}

/** Sets the Link header and returns the page envelope; `rows` holds up to limit + 1 rows. */
export function sendPage<T> (request: FastifyRequest, reply: FastifyReply, rows: T[], limit: number,
  nextCursorOf: (last: T) => string, total?: number) {
  const hasMore = rows.length > limit
  const data = hasMore ? rows.slice(0, limit) : rows
  const nextCursor = hasMore ? nextCursorOf(data[data.length - 1]) : null
  if (nextCursor) reply.header('link', `<${nextPageTarget(request.url, nextCursor)}>; rel="next"`)
  return { data, page: { limit, nextCursor, ...(total === undefined ? {} : { total }) } }
}

// A path of plain segments and a query of plain name=value pairs without a cursor: WHATWG URL parsing
// and URLSearchParams would give them back unchanged, so the cursor is appended as it is (a cursor is
// base64url and a dot, which they leave alone too).
const plainPath = /^(?:\/[\w~-][\w.~-]*)+\/?$/
const plainQuery = /^(?:[\w.*-]+=[\w.*-]*(?:&[\w.*-]+=[\w.*-]*)*)?$/

/** The request target of the next page: the request's, with `cursor` set (and re-encoded as URLSearchParams writes it). */
export function nextPageTarget (requestUrl: string, cursor: string): string {
  const q = requestUrl.indexOf('?')
  const path = q === -1 ? requestUrl : requestUrl.slice(0, q)
  const query = q === -1 ? '' : requestUrl.slice(q + 1)
  if (plainPath.test(path) && plainQuery.test(query) && !query.startsWith('cursor=') && !query.includes('&cursor=') && /^[\w.-]+$/.test(cursor)) {
    return `${path}?${query === '' ? '' : `${query}&`}cursor=${cursor}`
  }
  // Anything else as before: a page after the first replaces its cursor in place.
  const url = new URL(requestUrl, 'http://local')
  url.searchParams.set('cursor', cursor)
  return `${url.pathname}${url.search}`
}
