import type pg from 'pg'
import { Prisma, type Source } from '../../generated/prisma/client.ts'
import { modelColumns, rawRows } from '../../db/rows.ts'
import { iso, isoOrNull } from '../../http/schemas.ts'
import type { SourceView } from './schemas.ts'

const sourceFields = ['id', 'url', 'title', 'publisher', 'publishedAt', 'kind', 'language', 'author', 'archiveUrl', 'createdAt', 'updatedAt', 'version',
  'deletedAt'] as const satisfies ReadonlyArray<keyof Source>

/** Sources by id (deleted ones too: they are what a record cites), as views keyed by id. */
export async function loadSourceViews (pool: pg.Pool, ids: string[]) {
  const unique = [...new Set(ids)]
  const rows = unique.length === 0 ? [] : await rawRows<Source>(pool, Prisma.sql`SELECT ${modelColumns('s', sourceFields)} FROM sources s WHERE s.id = ANY(${unique}::uuid[])`)
  return new Map(rows.map((s) => [s.id, toSource(s)]))
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
    author: s.author,
    archiveUrl: s.archiveUrl,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    version: s.version
  }
}
