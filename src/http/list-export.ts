import type { FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import type { Prisma } from '../generated/prisma/client.ts'
import { copyOut } from '../db/copy.ts'
import { columnKinds, projectShape, type ExportShape } from '../db/export-sql.ts'
import { batches, negotiate, sendCopy, sendExport, streamedContent, type Format } from './formats.ts'
import { columnsFor, fieldsMediaType, projector, sendProjected } from './fields.ts'
import { Problem, validationProblem } from './problems.ts'
import { sendPage } from './list.ts'

/**
 * The 200 of a list that also streams: a JSON page, or every match in the list's other formats; with
 * `projection`, the page of fields= projections and NDJSON lines that may be projections.
 */
export const listContent = (description: string, page: z.ZodType, item: z.ZodType, formats: readonly Format[],
  projection?: { page: z.ZodType, item: z.ZodType }) => ({
  description,
  content: {
    'application/json': { schema: page },
    ...(projection ? { [fieldsMediaType]: { schema: projection.page } } : {}),
    ...streamedContent(projection?.item ?? item, formats)
  }
})

type Page<Row> = { rows: Row[], total?: number, cursorOf: (row: Row) => string }
type ListQuery = { limit: number, cursor?: string, includeTotal?: boolean }
type Streamed = Exclude<Format, 'json' | 'parquet' | 'acled-csv'>

export interface ListOrExport<Q extends ListQuery, Row, View> {
  formats: readonly Format[]
  list: (q: Q) => Promise<Page<Row>>
  /** the rows of a page or a batch as views (the include= expansion) */
  views: (rows: Row[]) => Promise<View[]>
  /** the record's export as declared for PostgreSQL: its fields (their kinds type Parquet's columns) and CSV columns */
  shape: ExportShape
  /** the GeoJSON point and the file name of an export */
  point?: (view: View) => [number, number] | null
  filename: string
  /** fields=: the dotted paths to keep */
  fields?: string[]
  /** how an export lists, when it reads otherwise than a page (incidents read links in bulk) */
  exportList?: (q: Q, format: Exclude<Format, 'json'>) => { list: (q: Q) => Promise<Page<Row>>, query: Q }
  /**
   * The export's query when PostgreSQL writes it (COPY): one text per row, or the CSV cells, of the
   * shape given (fields= projects it). Left out (include= expansions) or with EXPORT_ENGINE=js, and
   * always for Parquet, the export takes the JS path.
   */
  copy?: (q: Q, format: Streamed, shape: ExportShape) => Prisma.Sql
  /** format=acled-csv: the views as ACLED's rows, in its columns */
  acled?: { columns: string[], rows: (views: View[]) => Promise<object[]> }
}

/**
 * A list answered in the negotiated format: a JSON page with its cursor and Link, or every match as
 * NDJSON, CSV, GeoJSON or Parquet — written by PostgreSQL (`copy`, src/db/copy.ts) or, for include=
 * expansions, Parquet and ACLED's CSV and with EXPORT_ENGINE=js, streamed batch by batch through the views.
 * fields= keeps the paths named in every format, the CSV and Parquet columns in their order.
 */
export async function listOrExport<Q extends ListQuery, Row, View extends object> (request: FastifyRequest, reply: FastifyReply,
  query: Q, explicit: Format | undefined, o: ListOrExport<Q, Row, View>) {
  const format = negotiate(request, o.formats, explicit)
  const project = o.fields ? projector(o.fields) : undefined
  if (format !== 'json') {
    if (format === 'geojson' && !o.point) throw new Problem('not-acceptable', 'This list has no GeoJSON representation')
    const { limits } = reply.server.exportSlots
    const { list, query: q } = o.exportList?.(query, format) ?? { list: o.list, query: { ...query, includeTotal: false } }
    if (format === 'acled-csv') {
      if (!o.acled) throw new Problem('not-acceptable', 'This list has no ACLED representation')
      if (o.fields) throw validationProblem([{ in: 'query', path: 'fields', message: 'format=acled-csv has ACLED\'s columns; leave fields out' }])
      const acled = o.acled
      return sendExport(reply, 'acled-csv', { rows: () => batches(list, q, async (rows) => acled.rows(await o.views(rows))), columns: acled.columns, filename: `${o.filename}-acled` })
    }
    const columns = columnsFor(o.fields, o.shape.columns)
    if (o.fields && columns.length === 0 && (format === 'csv' || format === 'parquet')) {
      throw validationProblem([{ in: 'query', path: 'fields', message: `none of these fields has a ${format} column; columns: ${o.shape.columns.join(', ')}` }])
    }
    if (o.copy && limits.engine === 'copy' && format !== 'parquet') {
      const sql = o.copy(query, format, projectShape(o.shape, o.fields, columns))
      return sendCopy(reply, format, o.filename, () => copyOut(reply.server.pool, sql, { timeoutMs: limits.timeoutMs, as: format === 'csv' ? 'csv' : 'lines' }))
    }
    return sendExport(reply, format, {
      rows: () => batches(list, q, o.views),
      columns,
      kinds: columnKinds(o.shape.fields),
      project,
      point: o.point,
      filename: o.filename
    })
  }
  const { rows, total, cursorOf } = await o.list(query)
  const page = sendPage(request, reply, rows, query.limit, cursorOf, total)
  const data = await o.views(page.data)
  return project ? sendProjected(reply, { ...page, data: data.map(project) }) : { ...page, data }
}
