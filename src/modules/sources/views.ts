import { Prisma, type Source } from '../../generated/prisma/client.ts'
import { modelColumns, rawRows, type Reader } from '../../db/rows.ts'
import { notFound } from '../../http/problems.ts'
import { iso, isoOrNull } from '../../http/schemas.ts'
import type { SourceView } from './schemas.ts'

const sourceFields = ['id', 'url', 'title', 'publisher', 'publishedAt', 'kind', 'language', 'createdAt', 'updatedAt', 'version',
  'deletedAt'] as const satisfies ReadonlyArray<keyof Source>

/** A source row (alias s): the shape of Source. */
export const sourceRowSql = modelColumns('s', sourceFields)

/** Sources by id (deleted ones too: they are what a record cites), as views keyed by id. */
export async function loadSourceViews (on: Reader, ids: string[]) {
  const unique = [...new Set(ids)]
  const rows = unique.length === 0 ? [] : await rawRows<Source>(on, Prisma.sql`SELECT ${sourceRowSql} FROM sources s WHERE s.id = ANY(${unique}::uuid[])`)
  return new Map(rows.map((s) => [s.id, toSource(s)]))
}

/** A live source. */
export async function getSource (on: Reader, id: string): Promise<Source> {
  const [row] = await rawRows<Source>(on, Prisma.sql`SELECT ${sourceRowSql} FROM sources s WHERE s.id = ${id}::uuid AND s.deleted_at IS NULL`)
  if (!row) throw notFound('Source', id)
  return row
}

export function toSource (s: Source): SourceView {
  return {
    id: s.id,
    url: s.url,
    title: s.title,
    publisher: s.publisher,
    publishedAt: isoOrNull(s.publishedAt),
    kind: s.kind,
    language: s.language,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    version: s.version
  }
}
