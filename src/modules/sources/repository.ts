import { Prisma, type Source } from '../../generated/prisma/client.ts'
import type { Db, DbOrTx, Tx } from '../../db/client.ts'
import { cursorFor, decodeCursor, keysetAfter, keysetOrder, sortSpec, type SortFields } from '../../http/list.ts'
import { Problem, notFound } from '../../http/problems.ts'
import { isUniqueViolation } from '../../db/errors.ts'
import { escapeLike } from '../../db/like.ts'
import type { ChangeOptions } from '../../db/transaction.ts'
import { bumped, createRecord, deleteRecord, updateRecord } from '../changes/edit.ts'
import { toSource } from './views.ts'
import type { CreateSource, PatchSource, SourceListQuery } from './schemas.ts'
import { normaliseUrl, sourceColumns, urlConflict } from './rules.ts'

const sortFields: SortFields = { publishedAt: { kind: 'date', nullable: true }, createdAt: { kind: 'date' }, title: { kind: 'string' } }

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

  const sourceEdit = (id: string, keyName: string | null, opts: ChangeOptions) =>
    ({ entity: 'source', id, keyName, expect: opts.expect, find: (tx: Tx) => liveSource(tx, id), view: toSource }) as const

  async function assertUrlFree (on: DbOrTx, url: string, exceptId: string | null) {
    const clash = await on.source.findFirst({ where: { url, deletedAt: null, ...(exceptId ? { NOT: { id: exceptId } } : {}) } })
    if (clash) throw urlConflict(clash)
  }

  function listWhere (q: SourceListQuery): Prisma.SourceWhereInput {
    const where: Prisma.SourceWhereInput = { deletedAt: null }
    if (q.q) {
      const text = escapeLike(q.q)
      where.OR = ['title', 'publisher', 'url'].map((field) => ({ [field]: { contains: text, mode: 'insensitive' } }))
    }
    // A case-insensitive equals is an ILIKE in Prisma, so it is escaped too.
    if (q.publisher) where.publisher = { equals: escapeLike(q.publisher), mode: 'insensitive' }
    if (q.kind) where.kind = { in: q.kind }
    if (q.language) where.language = { in: q.language }
    if (q.from || q.to) where.publishedAt = { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) }
    return where
  }

  return {
    async get (id: string) {
      const row = await db.source.findFirst({ where: { id, deletedAt: null } })
      if (!row) throw notFound('Source', id)
      return row
    },

    async list (q: SourceListQuery) {
      const spec = sortSpec(q.sort, sortFields)
      const cursor = q.cursor ? decodeCursor(q.cursor, q.sort, spec) : null
      const where = listWhere(q)
      const [rows, total] = await Promise.all([
        db.source.findMany({
          where: cursor ? { AND: [where, keysetAfter(spec, cursor)] } : where,
          orderBy: keysetOrder(spec) as Prisma.SourceOrderByWithRelationInput[],
          take: q.limit + 1
        }),
        q.includeTotal ? db.source.count({ where }) : Promise.resolve(undefined)
      ])
      return { rows, total, cursorOf: (s: Source) => cursorFor(spec, q.sort, s) }
    },

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
