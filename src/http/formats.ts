import { Readable, pipeline } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { normalizeIP } from '@fastify/rate-limit'
import { stringify } from 'csv-stringify'
import { z } from 'zod'
import { Problem } from './problems.ts'
import { concurrencyLimit } from './slots.ts'
import { parquetFile } from './parquet.ts'
import { fieldsMediaType } from './fields.ts'
import type { ColumnKind } from '../db/export-sql.ts'

import { defaultExportLimits, type ExportLimits } from './export-limits.ts'

declare module 'fastify' {
  interface FastifyInstance {
    exportSlots: { limits: ExportLimits, slots: ReturnType<typeof concurrencyLimit> }
  }
}

/** Each export holds a database connection per batch for as long as its client reads: their number is capped. */
export const exportLimits = fp<Partial<ExportLimits>>(async (app, opts) => {
  const limits = { ...defaultExportLimits, ...opts }
  app.decorate('exportSlots', { limits, slots: concurrencyLimit('streaming exports', limits.total, 10) })
}, { name: 'export-limits' })

function takeExportSlot (reply: FastifyReply) {
  const { limits, slots } = reply.server.exportSlots
  const { apiKey, ip } = reply.request
  const release = slots.acquire([apiKey
    ? { bucket: `key:${apiKey.id}`, max: limits.perClient, who: `The API key "${apiKey.name}"` }
    : { bucket: `ip:${normalizeIP(ip)}`, max: limits.perClient, who: 'This client address' }])
  // close follows finish, and also comes when the client goes away mid-export.
  reply.raw.once('close', release)
}

export const formats = ['json', 'ndjson', 'csv', 'geojson'] as const
/** parquet: typed columns (src/http/parquet.ts); acled-csv: ACLED's own columns, asked for by format= only (its media type is CSV's). */
export type Format = typeof formats[number] | 'parquet' | 'acled-csv'

const mediaTypes: Record<Format, string> = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
  geojson: 'application/geo+json',
  parquet: 'application/vnd.apache.parquet',
  'acled-csv': 'text/csv'
}

export function formatParam<const F extends readonly [Format, ...Format[]]> (allowed: F) {
  const notes = [
    ...allowed.includes('parquet') ? ['parquet: Apache Parquet with typed columns'] : [],
    ...allowed.includes('acled-csv') ? ['acled-csv: CSV in ACLED\'s columns (only by format=)'] : []
  ]
  return z.enum(allowed).optional()
    .describe(`response format (${allowed.join(', ')}${notes.length ? `; ${notes.join('; ')}` : ''}); overrides the Accept header. Non-JSON formats stream every match in the list's order, without paging; ` +
      'the exports one client (API key, else address) and the server run at once are capped: past the cap, 429 with Retry-After')
}

interface Range { type: string, q: number, at: number }

// How an Accept range covers a media type: 2 exactly, 1 as type/*, 0 as */*, -1 not at all.
function specificity (range: string, type: string): number {
  if (range === type) return 2
  if (range === `${type.split('/')[0]}/*`) return 1
  return range === '*/*' ? 0 : -1
}

/**
 * The format asked for by `format=` or else the Accept header (RFC 9110 §12.5.1): each offered format
 * takes the q of the most specific range that covers it, so `q=0` refuses it even beside a wildcard;
 * the highest q wins, then the more specific range (`text/csv` beats the full wildcard), then the range named first,
 * then JSON. 406 when nothing offered is acceptable.
 */
export function negotiate (request: FastifyRequest, allowed: readonly Format[], explicit?: Format): Format {
  if (explicit) return explicit
  const accept = request.headers.accept
  if (!accept) return 'json'
  const ranges: Range[] = accept.split(',').map((part, at) => {
    const [type, ...params] = part.trim().split(';').map((s) => s.trim().toLowerCase())
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1)
    return { type, q: Number.isFinite(q) ? q : 0, at }
  }).filter((r) => r.type !== 'application/problem+json')
  let best: { format: Format, q: number, specific: number, at: number } | null = null
  for (const format of allowed) {
    if (format === 'acled-csv') continue
    let match: Range | null = null
    let specific = -1
    for (const r of ranges) {
      // A fields= projection's media type (src/http/fields.ts) asks for JSON.
      const s = Math.max(specificity(r.type, mediaTypes[format]), format === 'json' ? specificity(r.type, fieldsMediaType) : -1)
      if (s > specific) [match, specific] = [r, s]
    }
    if (!match || match.q <= 0) continue
    const better = !best || match.q > best.q || (match.q === best.q && (specific > best.specific || (specific === best.specific && match.at < best.at)))
    if (better) best = { format, q: match.q, specific, at: match.at }
  }
  if (best) return best.format
  throw new Problem('not-acceptable', `This endpoint offers ${allowed.map((f) => mediaTypes[f]).join(', ')}`)
}

/** OpenAPI content entries for the streamed formats of a list's 200 response. */
export function streamedContent (item: z.ZodType, allowed: readonly Format[]) {
  const content: Record<string, { schema: z.ZodType }> = {}
  if (allowed.includes('ndjson')) content[mediaTypes.ndjson] = { schema: item.describe('one JSON object per line') }
  if (allowed.includes('csv')) {
    const acled = allowed.includes('acled-csv') ? '. With format=acled-csv: ACLED\'s columns in its order (event_id_cnty … timestamp)' : ''
    content[mediaTypes.csv] = { schema: z.string().describe(`RFC 4180 CSV: one header row; arrays joined with ";", nested fields flattened with dots${acled}`) }
  }
  if (allowed.includes('parquet')) {
    content[mediaTypes.parquet] = {
      schema: z.string().meta({ format: 'binary' }).describe('Apache Parquet: one column per CSV column, typed (timestamps as UTC timestamps in ms, numbers as INT32 or DOUBLE, ' +
        'booleans, text and ids as UTF-8 strings, arrays as JSON text); one row group per 1,000 rows')
    }
  }
  if (allowed.includes('geojson')) {
    content[mediaTypes.geojson] = {
      schema: z.object({
        type: z.literal('FeatureCollection'),
        features: z.array(z.object({
          type: z.literal('Feature'),
          id: z.string(),
          geometry: z.object({ type: z.literal('Point'), coordinates: z.array(z.number()).length(2).describe('[lon, lat]') }),
          properties: z.record(z.string(), z.unknown())
        }))
      }).describe('a FeatureCollection of the matches that have a location')
    }
  }
  return content
}

type Flat = Record<string, string | number | boolean | null>

/** Nested objects become dotted keys; arrays of scalars are joined with ";", arrays of objects as "a:b" pairs. */
export function flatten (value: Record<string, unknown>, prefix = '', out: Flat = {}): Flat {
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key
    if (Array.isArray(v)) {
      out[name] = v.map((x) => (x !== null && typeof x === 'object' ? Object.values(x).join(':') : String(x))).join(';')
    } else if (v !== null && typeof v === 'object') {
      flatten(v as Record<string, unknown>, name, out)
    } else {
      out[name] = v as Flat[string] ?? null
    }
  }
  return out
}

// Spreadsheets execute cells that start with these characters: prefix them so a quote stays text.
const formulaStart = /^[=+\-@\t\r]/
const neutralise = (v: unknown) => (typeof v === 'string' && formulaStart.test(v) ? `'${v}` : v)

export interface Exporter<T> {
  /** Rows in the list's order, a batch at a time; it stops when the consumer stops pulling. */
  rows: () => AsyncGenerator<T[]>
  /** Flat CSV columns, in order. */
  columns: string[]
  /** the kind of each column, for Parquet's typed columns */
  kinds?: Map<string, ColumnKind>
  /** fields=: what NDJSON lines and GeoJSON properties keep of a row */
  project?: (row: T) => object
  /** GeoJSON geometry of a row, or null to leave it out. */
  point?: (row: T) => [number, number] | null
  filename: string
}

// One chunk per batch, not per row: an async step per row cost more than writing the row.
async function * lines<T> (batches: AsyncGenerator<T[]>, project: (row: T) => object = (row) => row as object) {
  for await (const batch of batches) {
    let chunk = ''
    for (const row of batch) chunk += `${JSON.stringify(project(row))}\n`
    yield chunk
  }
}

async function * geojson<T extends object> (batches: AsyncGenerator<T[]>, point: (row: T) => [number, number] | null, project: (row: T) => object = (row) => row) {
  yield '{"type":"FeatureCollection","features":['
  let first = true
  for await (const batch of batches) {
    let chunk = ''
    for (const row of batch) {
      const coordinates = point(row)
      if (!coordinates) continue
      const { location: _location, ...rest } = project(row) as { location?: unknown }
      const feature = { type: 'Feature', id: (row as { id?: string }).id, geometry: { type: 'Point', coordinates }, properties: flatten(rest) }
      chunk += `${first ? '' : ','}\n${JSON.stringify(feature)}`
      first = false
    }
    if (chunk) yield chunk
  }
  yield '\n]}\n'
}

const contentTypes = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  geojson: 'application/geo+json; charset=utf-8',
  parquet: mediaTypes.parquet,
  'acled-csv': 'text/csv; charset=utf-8'
}

/** An export's slot, file name and content type; the body is the caller's. */
function exportHeaders (reply: FastifyReply, format: Exclude<Format, 'json'>, filename: string) {
  takeExportSlot(reply)
  const date = new Date().toISOString().slice(0, 10)
  const extension = format === 'acled-csv' ? 'csv' : format
  reply.header('content-disposition', `attachment; filename="${filename}-${date}.${extension}"`)
  reply.type(contentTypes[format])
}

/** Streams an export with back-pressure: the response pulls rows, so memory stays flat and a gone client stops the query. */
export function sendExport<T extends object> (reply: FastifyReply, format: Exclude<Format, 'json'>, exporter: Exporter<T>) {
  if (format === 'geojson' && !exporter.point) throw new Problem('not-acceptable', 'This list has no GeoJSON representation')
  exportHeaders(reply, format, exporter.filename)
  let body: Readable
  if (format === 'ndjson') {
    body = Readable.from(lines(exporter.rows(), exporter.project))
  } else if (format === 'geojson') {
    body = Readable.from(geojson(exporter.rows(), exporter.point!, exporter.project))
  } else if (format === 'parquet') {
    const kinds = exporter.kinds ?? new Map()
    const columns = exporter.columns.map((name) => ({ name, kind: kinds.get(name) ?? 'text' }))
    body = Readable.from(parquetFile(exporter.rows(), columns))
  } else {
    const records = Readable.from((async function * () {
      for await (const batch of exporter.rows()) {
        for (const row of batch) {
          const flat = flatten(row as Record<string, unknown>)
          yield Object.fromEntries(exporter.columns.map((c) => [c, neutralise(flat[c] ?? null)]))
        }
      }
    })())
    // pipeline (not pipe) so a client that goes away also destroys the source, which ends the query loop.
    body = pipeline(records, stringify({ header: true, columns: exporter.columns, cast: { boolean: (b) => String(b) } }), () => {})
  }
  return reply.send(body)
}

const featuresStart = Buffer.from('{"type":"FeatureCollection","features":[\n')
const featuresEnd = Buffer.from('\n]}\n')
const comma = Buffer.from(',')

/**
 * PostgreSQL's features, one per line, framed as geojson() frames them: a comma ends every line but the
 * last. The frame's start waits for the first bytes, so a query that fails at once still answers a problem.
 */
export async function * featureCollection (features: Readable) {
  let started = false
  let held = false
  for await (const chunk of features as AsyncIterable<Buffer>) {
    const parts: Buffer[] = started ? (held ? [comma, Buffer.from('\n')] : []) : [featuresStart]
    started = true
    held = chunk[chunk.length - 1] === 10
    const body = held ? chunk.subarray(0, chunk.length - 1) : chunk
    // Each line's newline starts the next part, after a comma.
    let from = 0
    for (let nl = body.indexOf(10); nl !== -1; nl = body.indexOf(10, nl + 1)) {
      parts.push(body.subarray(from, nl), comma)
      from = nl
    }
    parts.push(body.subarray(from))
    yield Buffer.concat(parts)
  }
  yield started ? featuresEnd : Buffer.concat([featuresStart.subarray(0, featuresStart.length - 1), featuresEnd])
}

/**
 * Sends an export PostgreSQL writes (src/db/copy.ts): its bytes go to the client as they come, GeoJSON
 * with the FeatureCollection around them. Destroying the body (a client gone) closes the COPY's connection.
 */
export async function sendCopy (reply: FastifyReply, format: Exclude<Format, 'json'>, filename: string, copy: () => Promise<Readable>) {
  exportHeaders(reply, format, filename)
  const bytes = await copy()
  return reply.send(format === 'geojson' ? Readable.from(featureCollection(bytes)) : bytes)
}

/**
 * Walks a keyset list batch by batch, turning each batch into views with one call (no per-row
 * queries). The next batch is asked for as soon as a batch arrives, so the database works on it
 * while this one is written out.
 */
export async function * batches<Row, View, Q extends { limit: number, cursor?: string }> (
  list: (q: Q) => Promise<{ rows: Row[], cursorOf: (row: Row) => string }>,
  query: Q,
  toViews: (rows: Row[]) => Promise<View[]>,
  size = 1000
): AsyncGenerator<View[]> {
  type Batch = { rows: Row[], cursorOf: (row: Row) => string }
  const fetch = (cursor?: string): Promise<Batch> => list({ ...query, limit: size, cursor })
  let pending: Promise<Batch> | undefined = fetch()
  try {
    while (pending) {
      const { rows, cursorOf }: Batch = await pending
      const page = rows.slice(0, size)
      pending = rows.length > size ? fetch(cursorOf(page[page.length - 1])) : undefined
      // A failure of the prefetch surfaces at its await, not as an unhandled rejection meanwhile.
      pending?.catch(() => {})
      yield await toViews(page)
    }
  } finally {
    // A consumer that stops early leaves at most one query running; let it finish quietly.
    pending?.catch(() => {})
  }
}
