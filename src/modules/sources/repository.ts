import type pg from 'pg'
import { Prisma, type Source } from '../../generated/prisma/client.ts'
import type { Db, DbOrTx, Tx } from '../../db/client.ts'
import { listPage, type ListTable } from '../../http/cursor.ts'
import { Problem, notFound } from '../../http/problems.ts'
import { isUniqueViolation } from '../../db/errors.ts'
import { escapeLike } from '../../db/like.ts'
import type { ChangeOptions } from '../../db/transaction.ts'
import { sourceSnapshotWith, type Snapshot } from '../changes/snapshots.ts'
import { bumped, createRecord, deleteRecord, editsOf, updateRecord } from '../changes/edit.ts'
import { sourceRowSql, toSource } from './views.ts'
import type { CreateSource, PatchSource, SourceListQuery } from './schemas.ts'
import { normaliseUrl, sourceColumns, urlConflict } from './rules.ts'

const sourceList: ListTable<Source> = {
  select: sourceRowSql,
  from: Prisma.sql`sources s`,
  id: Prisma.sql`s.id`,
  sorts: {
    publishedAt: { column: Prisma.sql`s.published_at`, kind: 'date', nullable: true },
    createdAt: { column: Prisma.sql`s.created_at`, kind: 'date' },
    title: { column: Prisma.sql`s.title`, kind: 'string' }
  }
}

function listConditions (q: SourceListQuery): Prisma.Sql[] {
  const c = [Prisma.sql`s.deleted_at IS NULL`]
  if (q.q) {
    const text = `%${escapeLike(q.q)}%`
    c.push(Prisma.sql`(s.title ILIKE ${text} OR s.publisher ILIKE ${text} OR s.url ILIKE ${text})`)
  }
  // Case-insensitive equality as ILIKE, so escaped too.
  if (q.publisher) c.push(Prisma.sql`s.publisher ILIKE ${escapeLike(q.publisher)}`)
  if (q.kind) c.push(Prisma.sql`s.kind = ANY(${q.kind}::"SourceKind"[])`)
  if (q.language) c.push(Prisma.sql`s.language = ANY(${q.language}::text[])`)
  if (q.from) c.push(Prisma.sql`s.published_at >= ${q.from}`)
  if (q.to) c.push(Prisma.sql`s.published_at < ${q.to}`)
  return c
}

/** One page of live sources in the list's keyset order, plus the exact total when asked. */
export async function listSources (pool: pg.Pool, q: SourceListQuery, asOf?: Snapshot) {
  return listPage(pool, sourceList, q, listConditions(q), sourceList.select, asOf && { with: sourceSnapshotWith(asOf.seq), seq: asOf.seq })
}

export function createSourceRepository (db: Db) {
  async function withUrlCheck<T> (url: string | undefined, exceptId: string | null, write: () => Promise<T>): Promise<T> {
    try {
      return await write()
    } catch (err) {
      if (!url || !isUniqueViolation(err)) throw err
      await assertUrlFree(db, url, exceptId)
      throw err
    }
  }

  async function liveSource (tx: Tx, id: string) {
    const current = await tx.source.findFirst({ where: { id, deletedAt: null } })
    if (!current) throw notFound('Source', id)
    return current
  }

  const sourceEdit = editsOf('source', liveSource, toSource)

  async function assertUrlFree (on: DbOrTx, url: string, exceptId: string | null) {
    const clash = await on.source.findFirst({ where: { url, deletedAt: null, ...(exceptId ? { NOT: { id: exceptId } } : {}) } })
    if (clash) throw urlConflict(clash)
  }

  return {
    async create (input: CreateSource, keyName: string | null) {
      const url = normaliseUrl(input.url) as string
      return withUrlCheck(url, null, () => createRecord(db, {
        entity: 'source',
        keyName,
        view: toSource,
        async insert (tx, id) {
          await assertUrlFree(tx, url, null)
          return tx.source.create({ data: { ...sourceColumns(input, url), id } })
        }
      }))
    },

    async patch (id: string, patch: PatchSource, keyName: string | null, opts: ChangeOptions = {}) {
      const url = patch.url === undefined ? undefined : normaliseUrl(patch.url) as string
      return withUrlCheck(url, id, () => updateRecord(db, {
        ...sourceEdit(id, keyName, opts),
        async apply (tx) {
          if (url) await assertUrlFree(tx, url, id)
          const { publishedAt, ...rest } = patch
          return tx.source.update({
            where: { id },
            data: {
              ...rest,
              ...(url === undefined ? {} : { url }),
              ...(publishedAt === undefined ? {} : { publishedAt: publishedAt === null ? null : new Date(publishedAt) }),
              ...bumped()
            }
          })
        }
      }))
    },

    async remove (id: string, keyName: string | null, opts: ChangeOptions = {}) {
      return deleteRecord(db, {
        ...sourceEdit(id, keyName, opts),
        async check (tx) {
          const referrers = await tx.$queryRaw<Array<{ entity: string, id: string }>>`
            (SELECT 'incident' AS entity, i.id FROM incident_sources x JOIN incidents i ON i.id = x.incident_id
              WHERE x.source_id = ${id}::uuid AND i.deleted_at IS NULL LIMIT 20)
            UNION ALL (SELECT 'casualtyReport', c.id FROM casualty_report_sources x JOIN casualty_reports c ON c.id = x.casualty_report_id
              WHERE x.source_id = ${id}::uuid AND c.deleted_at IS NULL LIMIT 20)
            UNION ALL (SELECT 'statement', s.id FROM statement_sources x JOIN statements s ON s.id = x.statement_id
              WHERE x.source_id = ${id}::uuid AND s.deleted_at IS NULL LIMIT 20)`
          if (referrers.length > 0) {
            throw new Problem('conflict', `Source ${id} is still cited by ${referrers.length} live record(s); unlink them first`, { referrers })
          }
        }
      })
    }
  }
}
