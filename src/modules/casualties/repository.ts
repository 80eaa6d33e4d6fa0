import type pg from 'pg'
import { Prisma } from '../../generated/prisma/client.ts'
import type { Db, Tx } from '../../db/client.ts'
import { listAllSql, listPage, type ListTable } from '../../http/cursor.ts'
import { exportSelect, jsonSql, type ExportShape } from '../../db/export-sql.ts'
import { casualtySnapshotWith } from '../changes/snapshots.ts'
import { rawRows } from '../../db/rows.ts'
import { notFound, validationProblem } from '../../http/problems.ts'
import { assertReferencesExist } from '../../http/references.ts'
import { lockLive } from '../../db/locks.ts'
import type { ChangeOptions } from '../../db/transaction.ts'
import { bumped, createRecord, deleteRecord, editsOf, updateRecord } from '../changes/edit.ts'
import { mergePatch } from '../../http/merge-patch.ts'
import { reportRowSql, toCasualtyReport, type ReportRow } from './views.ts'
import { casualtyConditions } from './filters.ts'
import { casualtyExport, casualtyExportOf } from './export.ts'
import { refreshIncidentDerived } from './derived.ts'
import { figureProblem, reportColumns, reportReferences, twinConflict } from './rules.ts'
import { createCasualtySchema, type CasualtyFilters, type CasualtyLedgerQuery, type CreateCasualty, type PatchCasualty } from './schemas.ts'

const withSources = { sources: { orderBy: { position: 'asc' } } } as const satisfies Prisma.CasualtyReportInclude
const reportList: ListTable<ReportRow> = {
  select: reportRowSql,
  from: Prisma.sql`casualty_reports r`,
  id: Prisma.sql`r.id`,
  sorts: { createdAt: { column: Prisma.sql`r.created_at`, kind: 'date' } }
}
// The fields a write takes: a patch is merged over the report's current ones.
const reportFields = createCasualtySchema.keyof().options

type ReportInput = CreateCasualty

const ledgerList: ListTable<ReportRow> = {
  ...reportList,
  sorts: { ...reportList.sorts, reportedAt: { column: Prisma.sql`r.reported_at`, kind: 'date', nullable: true } }
}

/**
 * One page of the casualty ledger (every live report) in its keyset order, plus the exact total when
 * asked. Reports without reportedAt come last in either direction of that sort.
 */
export async function listCasualties (pool: pg.Pool, q: Omit<CasualtyLedgerQuery, 'include' | 'format'>) {
  return listPage(pool, ledgerList, q, casualtyConditions(q as CasualtyFilters))
}

/** A ledger page's row read asOf a snapshot: the sort keys its cursor needs and the view, as the NDJSON export writes it. */
export interface CasualtySnapshotRow { id: string, createdAt: Date, reportedAt: Date | null, view: string }

const snapshotSelect = Prisma.sql`r.id::text AS id, r.created_at AS "createdAt", r.reported_at AS "reportedAt", ${jsonSql(casualtyExportOf('log').fields)} AS view`

/** One page of the ledger as it stood at change-log position `seq` (src/modules/changes/snapshots.ts). */
export function listCasualtiesAsOf (pool: pg.Pool, seq: string, q: Omit<CasualtyLedgerQuery, 'include' | 'format'>) {
  return listPage(pool, ledgerList as unknown as ListTable<CasualtySnapshotRow>, q, casualtyConditions(q as CasualtyFilters), snapshotSelect,
    { with: casualtySnapshotWith(seq), seq })
}

/** Every match of the ledger, in its order, as PostgreSQL writes `format`; asOf position `seq` when given (with a shape that reads links from the log). */
export function casualtyExportSql (q: Omit<CasualtyLedgerQuery, 'include' | 'format' | 'fields' | 'asOf'>, format: 'ndjson' | 'csv', shape: ExportShape = casualtyExport,
  seq?: string) {
  return listAllSql(ledgerList, q.sort, casualtyConditions(q as CasualtyFilters), exportSelect(format, shape),
    seq === undefined ? undefined : casualtySnapshotWith(seq))
}

async function validateReport (tx: Tx, incidentId: string, input: ReportInput, selfId: string | null) {
  const figure = figureProblem(input)
  if (figure) throw validationProblem([{ in: 'body', ...figure }])
  await assertReferencesExist(tx, reportReferences(input))
  // The key of twinKey (rules.ts), which the import checks the same way.
  const twin = await tx.casualtyReport.findFirst({
    where: { incidentId, reportedById: input.reportedById, affectedActorId: input.affectedActorId, category: input.category, deletedAt: null, ...(selfId ? { NOT: { id: selfId } } : {}) }
  })
  if (twin) throw twinConflict(input.category, twin.id)
}

/** One page of an incident's live casualty reports, oldest first, plus the exact total when asked; 404 for no live incident. */
export async function listCasualtyReports (pool: pg.Pool, incidentId: string, q: { limit: number, cursor?: string, sort: string, includeTotal: boolean }) {
  const live = await rawRows(pool, Prisma.sql`SELECT 1 FROM incidents i WHERE i.id = ${incidentId}::uuid AND i.deleted_at IS NULL`)
  if (live.length === 0) throw notFound('Incident', incidentId)
  return listPage(pool, reportList, q, [Prisma.sql`r.incident_id = ${incidentId}::uuid`, Prisma.sql`r.deleted_at IS NULL`])
}

export function createCasualtyRepository (db: Db) {
  /**
   * The incident, then the report (docs/architecture.md, "Lock order"). A report never moves to another
   * incident, so reading that id unlocked is safe.
   */
  async function lockReport (tx: Tx, id: string) {
    const found = await tx.casualtyReport.findFirst({ where: { id, deletedAt: null }, select: { incidentId: true } })
    if (!found) throw notFound('Casualty report', id)
    await lockLive(tx, 'incident', found.incidentId)
    await lockLive(tx, 'casualtyReport', id)
  }

  /** The report as it is now: a writer that waited for the locks works from what the one before it committed. */
  async function liveReport (tx: Tx, id: string) {
    const row = await tx.casualtyReport.findFirst({ where: { id, deletedAt: null }, include: withSources })
    if (!row) throw notFound('Casualty report', id)
    return row
  }

  const reportEdit = editsOf('casualtyReport', liveReport, toCasualtyReport, lockReport)

  return {
    async create (incidentId: string, input: CreateCasualty, keyName: string | null) {
      return createRecord(db, {
        entity: 'casualtyReport',
        keyName,
        view: toCasualtyReport,
        async insert (tx, id) {
          if (!(await lockLive(tx, 'incident', incidentId))) throw notFound('Incident', incidentId)
          await validateReport(tx, incidentId, input, null)
          await tx.casualtyReport.create({ data: { ...reportColumns(incidentId, input), id } })
          await tx.casualtyReportSource.createMany({ data: [...new Set(input.sourceIds)].map((sourceId, position) => ({ casualtyReportId: id, sourceId, position })) })
          return tx.casualtyReport.findUniqueOrThrow({ where: { id }, include: withSources })
        },
        then: (tx) => refreshIncidentDerived(tx, incidentId, keyName)
      })
    },

    async patch (id: string, patch: PatchCasualty, keyName: string | null, opts: ChangeOptions = {}) {
      return updateRecord(db, {
        ...reportEdit(id, keyName, opts),
        async apply (tx, before) {
          const merged: ReportInput = mergePatch(before, patch, reportFields)
          await validateReport(tx, before.incidentId, merged, id)
          const { sourceIds, reportedAt, ...fields } = merged
          await tx.casualtyReport.update({ where: { id }, data: { ...fields, reportedAt: reportedAt ? new Date(reportedAt) : null, ...bumped() } })
          if (patch.sourceIds) {
            await tx.casualtyReportSource.deleteMany({ where: { casualtyReportId: id } })
            await tx.casualtyReportSource.createMany({ data: [...new Set(sourceIds)].map((sourceId, position) => ({ casualtyReportId: id, sourceId, position })) })
          }
          return tx.casualtyReport.findUniqueOrThrow({ where: { id }, include: withSources })
        },
        then: (tx, before) => refreshIncidentDerived(tx, before.incidentId, keyName)
      })
    },

    async remove (id: string, keyName: string | null, opts: ChangeOptions = {}) {
      return deleteRecord(db, {
        ...reportEdit(id, keyName, opts),
        then: (tx, before) => refreshIncidentDerived(tx, before.incidentId, keyName)
      })
    }
  }
}
