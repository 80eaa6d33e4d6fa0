import type { FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import type { Prisma } from '../generated/prisma/client.ts'
import { copyOut } from '../db/copy.ts'
import { batches, negotiate, sendCopy, sendExport, streamedContent, type Format } from './formats.ts'
import { Problem } from './problems.ts'
import { sendPage } from './list.ts'

/** The 200 of a list that also streams: a JSON page, or every match in the list's other formats. */
export const listContent = (description: string, page: z.ZodType, item: z.ZodType, formats: readonly Format[]) =>
  ({ description, content: { 'application/json': { schema: page }, ...streamedContent(item, formats) } })

type Page<Row> = { rows: Row[], total?: number, cursorOf: (row: Row) => string }
type ListQuery = { limit: number, cursor?: string, includeTotal?: boolean }

export interface ListOrExport<Q extends ListQuery, Row, View> {
  formats: readonly Format[]
  list: (q: Q) => Promise<Page<Row>>
  /** the rows of a page or a batch as views (the include= expansion) */
  views: (rows: Row[]) => Promise<View[]>
  /** CSV columns, the GeoJSON point and the file name of an export */
  columns: string[]
  point?: (view: View) => [number, number] | null
  filename: string
  /** how an export lists, when it reads otherwise than a page (incidents read links in bulk) */
  exportList?: (q: Q, format: Exclude<Format, 'json'>) => { list: (q: Q) => Promise<Page<Row>>, query: Q }
  /**
   * The export's query when PostgreSQL writes it (COPY): one text per row, or the CSV cells. Left out
   * (include= expansions) or with EXPORT_ENGINE=js, the export takes the JS path above.
   */
  copy?: (q: Q, format: Exclude<Format, 'json'>) => Prisma.Sql
}

/**
 * A list answered in the negotiated format: a JSON page with its cursor and Link, or every match as
 * NDJSON, CSV or GeoJSON — written by PostgreSQL (`copy`, src/db/copy.ts) or, for include= expansions
 * and with EXPORT_ENGINE=js, streamed batch by batch through the views.
 */
export async function listOrExport<Q extends ListQuery, Row, View extends object> (request: FastifyRequest, reply: FastifyReply,
  query: Q, explicit: Format | undefined, o: ListOrExport<Q, Row, View>) {
  const format = negotiate(request, o.formats, explicit)
  if (format !== 'json') {
    const { limits } = reply.server.exportSlots
    if (o.copy && limits.engine === 'copy') {
      if (format === 'geojson' && !o.point) throw new Problem('not-acceptable', 'This list has no GeoJSON representation')
      const sql = o.copy(query, format)
      return sendCopy(reply, format, o.filename, () => copyOut(reply.server.pool, sql, { timeoutMs: limits.timeoutMs, as: format === 'csv' ? 'csv' : 'lines' }))
    }
    const { list, query: q } = o.exportList?.(query, format) ?? { list: o.list, query: { ...query, includeTotal: false } }
    return sendExport(reply, format, { rows: () => batches(list, q, o.views), columns: o.columns, point: o.point, filename: o.filename })
  }
  const { rows, total, cursorOf } = await o.list(query)
  const page = sendPage(request, reply, rows, query.limit, cursorOf, total)
  return { ...page, data: await o.views(page.data) }
}
