import type pg from 'pg'
import { Prisma } from '../../generated/prisma/client.ts'
import type { Db, Tx } from '../../db/client.ts'
import { listAllSql, listPage, type ListTable } from '../../http/cursor.ts'
import { exportSelect, jsonSql, type ExportShape } from '../../db/export-sql.ts'
import { statementSnapshotWith } from '../changes/snapshots.ts'
import { Problem, validationProblem } from '../../http/problems.ts'
import { assertReferencesExist } from '../../http/references.ts'
import { lockAllLive, lockLive } from '../../db/locks.ts'
import type { ChangeOptions } from '../../db/transaction.ts'
import { bumped, createRecord, deleteRecord, editsOf, updateRecord } from '../changes/edit.ts'
import { mergePatch } from '../../http/merge-patch.ts'
import { refreshIncidentDerived } from '../casualties/derived.ts'
import { findStatement, statementRowSql, toStatement, type StatementRow } from './views.ts'
import { statementConditions } from './filters.ts'
import { statementExport, statementExportOf } from './export.ts'
import { denialIncidents, statementColumns, statementLinks, statementReferences, statementRuleError } from './rules.ts'
import { createStatementSchema, type CreateStatement, type PatchStatement, type StatementFilters, type StatementListQuery } from './schemas.ts'

const statementList: ListTable<StatementRow> = {
  select: statementRowSql,
  from: Prisma.sql`statements s`,
  id: Prisma.sql`s.id`,
  sorts: { statedAt: { column: Prisma.sql`s.stated_at`, kind: 'date' }, updatedAt: { column: Prisma.sql`s.updated_at`, kind: 'date' } }
}

type StatementInput = CreateStatement

/** `refreshed`: incidents whose contested flag the write recomputes, locked for update at their turn. */
async function validateStatement (tx: Tx, input: StatementInput, selfId: string | null, refreshed: string[]) {
  if (input.respondsToId && input.respondsToId === selfId) {
    throw validationProblem([{ in: 'body', path: 'respondsToId', message: 'a statement cannot respond to itself' }])
  }
  const broken = statementRuleError(input)
  if (broken) throw validationProblem([broken])
  await assertReferencesExist(tx, statementReferences(input), { forUpdate: { incident: refreshed } })
  if (input.respondsToId && selfId) {
    const chain = await tx.$queryRaw<Array<{ id: string }>>`
      WITH RECURSIVE up(id, responds_to_id, depth) AS (
        SELECT id, responds_to_id, 0 FROM statements WHERE id = ${input.respondsToId}::uuid
        UNION ALL SELECT s.id, s.responds_to_id, up.depth + 1 FROM statements s JOIN up ON s.id = up.responds_to_id WHERE up.depth < 100)
      SELECT id::text FROM up`
    if (chain.some((r) => r.id === selfId)) throw validationProblem([{ in: 'body', path: 'respondsToId', message: 'the responses would form a cycle' }])
  }
}

async function writeLinks (tx: Tx, id: string, input: Partial<Pick<StatementInput, 'incidentIds' | 'aboutActorIds' | 'sourceIds'>>) {
  const links = statementLinks(id, { incidentIds: input.incidentIds ?? [], aboutActorIds: input.aboutActorIds ?? [], sourceIds: input.sourceIds ?? [] })
  if (input.incidentIds) await tx.statementIncident.createMany({ data: links.incidents })
  if (input.aboutActorIds) await tx.statementAboutActor.createMany({ data: links.aboutActors })
  if (input.sourceIds) await tx.statementSource.createMany({ data: links.sources })
}

/** The incidents were locked before the change log's lock (docs/architecture.md, "Lock order"); here they are only checked live. */
async function refreshIncidents (tx: Tx, incidentIds: string[], keyName: string | null) {
  for (const id of incidentIds) {
    if (await lockLive(tx, 'incident', id)) await refreshIncidentDerived(tx, id, keyName)
  }
}

/** Every match of the list, in its order, as PostgreSQL writes `format`. */
export function statementExportSql (q: Omit<StatementListQuery, 'include' | 'format' | 'fields' | 'asOf'>, format: 'ndjson' | 'csv', shape: ExportShape = statementExport,
  seq?: string) {
  return listAllSql(statementList, q.sort, statementConditions(q as StatementFilters), exportSelect(format, shape),
    seq === undefined ? undefined : statementSnapshotWith(seq))
}

/** One page in the list's keyset order, plus the exact total when asked. */
export async function listStatements (pool: pg.Pool, q: Omit<StatementListQuery, 'include' | 'format'>) {
  return listPage(pool, statementList, q, statementConditions(q as StatementFilters))
}

/** A page's row read asOf a snapshot: the sort keys its cursor needs and the view, as the NDJSON export writes it. */
export interface StatementSnapshotRow { id: string, statedAt: Date, updatedAt: Date, view: string }

const snapshotSelect = Prisma.sql`s.id::text AS id, s.stated_at AS "statedAt", s.updated_at AS "updatedAt", ${jsonSql(statementExportOf('log').fields)} AS view`

/** One page of the list as it stood at change-log position `seq` (src/modules/changes/snapshots.ts). */
export function listStatementsAsOf (pool: pg.Pool, seq: string, q: Omit<StatementListQuery, 'include' | 'format'>) {
  return listPage(pool, statementList as unknown as ListTable<StatementSnapshotRow>, q, statementConditions(q as StatementFilters), snapshotSelect,
    { with: statementSnapshotWith(seq), seq })
}

// The fields a write takes: a patch is merged over the statement's current ones.
const statementInputFields = createStatementSchema.keyof().options

export function createStatementRepository (db: Db) {
  const statementEdit = editsOf('statement', (tx: Tx, id: string) => findStatement(tx, id), toStatement)

  return {
    async create (input: CreateStatement, keyName: string | null) {
      const denied = denialIncidents(input)
      return createRecord(db, {
        entity: 'statement',
        keyName,
        view: toStatement,
        async insert (tx, id) {
          await validateStatement(tx, input, null, denied)
          await tx.statement.create({ data: { id, ...statementColumns(input) } })
          await writeLinks(tx, id, input)
          return findStatement(tx, id)
        },
        then: (tx) => refreshIncidents(tx, denied, keyName)
      })
    },

    async patch (id: string, patch: PatchStatement, keyName: string | null, opts: ChangeOptions = {}) {
      return updateRecord(db, {
        ...statementEdit(id, keyName, opts),
        async apply (tx, before) {
          const merged: StatementInput = mergePatch(before, patch, statementInputFields)
          await validateStatement(tx, merged, id, denialIncidents(before, merged))
          await tx.statement.update({ where: { id }, data: { ...statementColumns(merged), ...bumped() } })
          if (patch.incidentIds) await tx.statementIncident.deleteMany({ where: { statementId: id } })
          if (patch.aboutActorIds) await tx.statementAboutActor.deleteMany({ where: { statementId: id } })
          if (patch.sourceIds) await tx.statementSource.deleteMany({ where: { statementId: id } })
          await writeLinks(tx, id, { incidentIds: patch.incidentIds, aboutActorIds: patch.aboutActorIds, sourceIds: patch.sourceIds })
          return findStatement(tx, id)
        },
        then: (tx, before, after) => refreshIncidents(tx, denialIncidents(before, after), keyName)
      })
    },

    async remove (id: string, keyName: string | null, opts: ChangeOptions = {}) {
      return deleteRecord(db, {
        ...statementEdit(id, keyName, opts),
        async check (tx, before) {
          const responses = await tx.statement.findMany({ where: { respondsToId: id, deletedAt: null }, select: { id: true }, take: 20 })
          if (responses.length > 0) {
            throw new Problem('conflict', `Statement ${id} is answered by ${responses.length} live statement(s); unlink or delete them first`,
              { referrers: responses.map((r) => ({ entity: 'statement', id: r.id })) })
          }
          await lockAllLive(tx, 'incident', denialIncidents(before))
        },
        then: (tx, before) => refreshIncidents(tx, denialIncidents(before), keyName)
      })
    }
  }
}
