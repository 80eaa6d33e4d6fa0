import { uuidv7 } from 'uuidv7'
import { Prisma, type CasualtyReport } from '../../generated/prisma/client.ts'
import type { Db, Tx } from '../../db/client.ts'
import { cursorFor, decodeCursor, keysetAfter, keysetOrder, sortSpec, type SortFields } from '../../http/list.ts'
import { notFound, validationProblem } from '../../http/problems.ts'
import { assertReferencesExist } from '../../http/references.ts'
import { lockLive } from '../../db/locks.ts'
import { writeTransaction, type ChangeOptions } from '../../db/transaction.ts'
import { recordChange } from '../changes/repository.ts'
import { toCasualtyReport } from './views.ts'
import { refreshIncidentDerived } from './derived.ts'
import { figureProblem, reportColumns, reportReferences, twinConflict } from './rules.ts'
import type { CreateCasualty, PatchCasualty } from './schemas.ts'

const withSources = { sources: { orderBy: { position: 'asc' } } } as const satisfies Prisma.CasualtyReportInclude
const sortFields: SortFields = { createdAt: { kind: 'date' } }

type ReportInput = CreateCasualty

async function validateReport (tx: Tx, incidentId: string, input: ReportInput, selfId: string | null) {
  const figure = figureProblem(input)
  if (figure) throw validationProblem([{ in: 'body', ...figure }])
  await assertReferencesExist(tx, reportReferences(input))
  const twin = await tx.casualtyReport.findFirst({
    where: { incidentId, reportedById: input.reportedById, category: input.category, deletedAt: null, ...(selfId ? { NOT: { id: selfId } } : {}) }
  })
  if (twin) throw twinConflict(input.category, twin.id)
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
    async get (id: string) {
      const row = await db.casualtyReport.findFirst({ where: { id, deletedAt: null }, include: withSources })
      if (!row) throw notFound('Casualty report', id)
      return row
    },

    async list (incidentId: string, q: { limit: number, cursor?: string, sort: string, includeTotal: boolean }) {
      const live = await db.incident.count({ where: { id: incidentId, deletedAt: null } })
      if (live === 0) throw notFound('Incident', incidentId)
      const spec = sortSpec(q.sort, sortFields)
      const where: Prisma.CasualtyReportWhereInput = { incidentId, deletedAt: null }
      const cursor = q.cursor ? decodeCursor(q.cursor, q.sort, spec) : null
      const [rows, total] = await Promise.all([
        db.casualtyReport.findMany({
          where: cursor ? { AND: [where, keysetAfter(spec, cursor)] } : where,
          orderBy: keysetOrder(spec) as Prisma.CasualtyReportOrderByWithRelationInput[],
          include: withSources,
          take: q.limit + 1
        }),
        q.includeTotal ? db.casualtyReport.count({ where }) : Promise.resolve(undefined)
      ])
      return { rows, total, cursorOf: (r: CasualtyReport) => cursorFor(spec, q.sort, r) }
    },

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
