import type pg from 'pg'
import { uuidv7 } from 'uuidv7'
import { Prisma, type CasualtyReport } from '../../generated/prisma/client.ts'
import type { Db, Tx } from '../../db/client.ts'
import { cursorFor, decodeCursor } from '../../http/cursor.ts'
import { keysetPage, sortSpec, type SortFields } from '../../db/keyset.ts'
import { rawRows } from '../../db/rows.ts'
import { Problem, notFound, validationProblem } from '../../http/problems.ts'
import { assertReferencesExist, type Reference } from '../../db/references.ts'
import { lockLive } from '../../db/locks.ts'
import { writeTransaction, type ChangeOptions } from '../../db/transaction.ts'
import { recordChange } from '../changes/repository.ts'
import { reportRowSql, toCasualtyReport, type ReportRow } from './views.ts'
import { refreshIncidentDerived } from './derived.ts'
import { figureProblem } from './rollup.ts'
import type { CreateCasualty, PatchCasualty } from './schemas.ts'

const withSources = { sources: { orderBy: { position: 'asc' } } } as const satisfies Prisma.CasualtyReportInclude
const sortFields: SortFields = { createdAt: { kind: 'date' } }

type ReportInput = CreateCasualty

export const reportReferences = (input: Pick<ReportInput, 'reportedById' | 'sourceIds'>): Reference[] => [
  ...(input.reportedById ? [{ kind: 'actor' as const, id: input.reportedById, path: 'reportedById' }] : []),
  ...input.sourceIds.map((id, n) => ({ kind: 'source' as const, id, path: `sourceIds.${n}` }))
]

/** The 409 for a second live report by one reporter in one category on one incident. */
export const twinConflict = (category: string, twinId: string) =>
  new Problem('conflict', `This reporter already has a ${category} report on the incident (id ${twinId}); update it instead`,
    { existing: { id: twinId } })

/** The report's own columns (not its source links). */
export function reportColumns (incidentId: string, input: ReportInput) {
  const { sourceIds, reportedAt, ...fields } = input
  return { ...fields, incidentId, reportedAt: reportedAt ? new Date(reportedAt) : null }
}

async function validateReport (tx: Tx, incidentId: string, input: ReportInput, selfId: string | null) {
  const figure = figureProblem(input)
  if (figure) throw validationProblem([{ in: 'body', ...figure }])
  await assertReferencesExist(tx, reportReferences(input))
  const twin = await tx.casualtyReport.findFirst({
    where: { incidentId, reportedById: input.reportedById, category: input.category, deletedAt: null, ...(selfId ? { NOT: { id: selfId } } : {}) }
  })
  if (twin) throw twinConflict(input.category, twin.id)
}

/** One page of an incident's live casualty reports, oldest first, plus the exact total when asked; 404 for no live incident. */
export async function listCasualtyReports (pool: pg.Pool, incidentId: string, q: { limit: number, cursor?: string, sort: string, includeTotal: boolean }) {
  const live = await rawRows(pool, Prisma.sql`SELECT 1 FROM incidents i WHERE i.id = ${incidentId}::uuid AND i.deleted_at IS NULL`)
  if (live.length === 0) throw notFound('Incident', incidentId)
  const spec = sortSpec(q.sort, sortFields)
  const { rows, total } = await keysetPage<ReportRow>(pool, {
    select: reportRowSql,
    from: Prisma.sql`casualty_reports r`,
    column: Prisma.sql`r.created_at`,
    id: Prisma.sql`r.id`,
    spec,
    after: q.cursor ? decodeCursor(q.cursor, q.sort, spec) : undefined,
    conditions: [Prisma.sql`r.incident_id = ${incidentId}::uuid`, Prisma.sql`r.deleted_at IS NULL`],
    limit: q.limit,
    includeTotal: q.includeTotal
  })
  return { rows, total, cursorOf: (r: CasualtyReport) => cursorFor(spec, q.sort, r) }
}

export function createCasualtyRepository (db: Db) {
  /**
   * The incident, then the report (docs/architecture.md, "Lock order"), then the report as it is now:
   * a writer that waited for the locks must work from what the one before it committed, not from a
   * row read before it waited. A report never moves to another incident, so reading that id unlocked is safe.
   */
  async function lockReport (tx: Tx, id: string) {
    const found = await tx.casualtyReport.findFirst({ where: { id, deletedAt: null }, select: { incidentId: true } })
    if (!found) throw notFound('Casualty report', id)
    await lockLive(tx, 'incident', found.incidentId)
    if (!(await lockLive(tx, 'casualtyReport', id))) throw notFound('Casualty report', id)
    return tx.casualtyReport.findUniqueOrThrow({ where: { id }, include: withSources })
  }

  return {
    async create (incidentId: string, input: CreateCasualty, keyName: string | null) {
      return writeTransaction(db, async (tx) => {
        if (!(await lockLive(tx, 'incident', incidentId))) throw notFound('Incident', incidentId)
        await validateReport(tx, incidentId, input, null)
        const id = uuidv7()
        await tx.casualtyReport.create({ data: { ...reportColumns(incidentId, input), id } })
        await tx.casualtyReportSource.createMany({ data: [...new Set(input.sourceIds)].map((sourceId, position) => ({ casualtyReportId: id, sourceId, position })) })
        const row = await tx.casualtyReport.findUniqueOrThrow({ where: { id }, include: withSources })
        await recordChange(tx, { entity: 'casualtyReport', id, action: 'created', version: 1, before: null, after: toCasualtyReport(row), keyName })
        await refreshIncidentDerived(tx, incidentId, keyName)
        return row
      })
    },

    async patch (id: string, patch: PatchCasualty, keyName: string | null, opts: ChangeOptions = {}) {
      return writeTransaction(db, async (tx) => {
        const current = await lockReport(tx, id)
        opts.expect?.(current.version)
        const before = toCasualtyReport(current)
        const merged: ReportInput = {
          reportedById: patch.reportedById === undefined ? before.reportedById : patch.reportedById,
          sourceIds: patch.sourceIds ?? before.sourceIds,
          category: patch.category ?? before.category,
          min: patch.min ?? before.min,
          max: patch.max === undefined ? before.max : patch.max,
          qualifier: patch.qualifier ?? before.qualifier,
          groups: patch.groups ?? before.groups,
          note: patch.note === undefined ? before.note : patch.note,
          reportedAt: patch.reportedAt === undefined ? before.reportedAt : patch.reportedAt
        }
        await validateReport(tx, current.incidentId, merged, id)
        const { sourceIds, reportedAt, ...fields } = merged
        await tx.casualtyReport.update({
          where: { id },
          data: { ...fields, reportedAt: reportedAt ? new Date(reportedAt) : null, version: { increment: 1 }, updatedAt: new Date() }
        })
        if (patch.sourceIds) {
          await tx.casualtyReportSource.deleteMany({ where: { casualtyReportId: id } })
          await tx.casualtyReportSource.createMany({ data: [...new Set(sourceIds)].map((sourceId, position) => ({ casualtyReportId: id, sourceId, position })) })
        }
        const row = await tx.casualtyReport.findUniqueOrThrow({ where: { id }, include: withSources })
        await recordChange(tx, { entity: 'casualtyReport', id, action: 'updated', version: row.version, before, after: toCasualtyReport(row), keyName })
        await refreshIncidentDerived(tx, current.incidentId, keyName)
        return row
      })
    },

    async remove (id: string, keyName: string | null, opts: ChangeOptions = {}) {
      return writeTransaction(db, async (tx) => {
        const current = await lockReport(tx, id)
        opts.expect?.(current.version)
        const row = await tx.casualtyReport.update({ where: { id }, data: { deletedAt: new Date(), version: { increment: 1 }, updatedAt: new Date() } })
        await recordChange(tx, { entity: 'casualtyReport', id, action: 'deleted', version: row.version, before: toCasualtyReport(current), after: null, keyName })
        await refreshIncidentDerived(tx, current.incidentId, keyName)
      })
    }
  }
}
