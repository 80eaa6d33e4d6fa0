import { Prisma, type CasualtyReport, type CasualtyReportSource } from '../../generated/prisma/client.ts'
import { modelColumns, rawRows, type Reader } from '../../db/rows.ts'
import { notFound } from '../../http/problems.ts'
import { iso, isoOrNull } from '../../http/schemas.ts'
import type { CasualtyReportView } from './schemas.ts'

export type ReportRow = CasualtyReport & { sources: Array<Pick<CasualtyReportSource, 'sourceId'>> }

export function toCasualtyReport (r: ReportRow): CasualtyReportView {
  return {
    id: r.id,
    incidentId: r.incidentId,
    reportedById: r.reportedById,
    sourceIds: r.sources.map((s) => s.sourceId),
    category: r.category,
    min: r.min,
    max: r.max,
    qualifier: r.qualifier,
    groups: r.groups as CasualtyReportView['groups'],
    note: r.note,
    reportedAt: isoOrNull(r.reportedAt),
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    version: r.version
  }
}

const reportFields = ['id', 'incidentId', 'reportedById', 'category', 'min', 'max', 'qualifier', 'groups', 'note', 'reportedAt',
  'createdAt', 'updatedAt', 'version', 'deletedAt'] as const satisfies ReadonlyArray<keyof CasualtyReport>

/** A report row with its sources, in one SELECT (alias r): the shape of ReportRow. */
export const reportRowSql = Prisma.sql`${modelColumns('r', reportFields)},
  coalesce((SELECT json_agg(json_build_object('sourceId', rs.source_id) ORDER BY rs.position)
    FROM casualty_report_sources rs WHERE rs.casualty_report_id = r.id), '[]') AS sources`

/** The live casualty reports of these incidents with their sources, oldest first, in one query. */
export async function loadCasualtyReports (on: Reader, incidentIds: string[]) {
  if (incidentIds.length === 0) return []
  const rows = await rawRows<ReportRow>(on, Prisma.sql`SELECT ${reportRowSql}
    FROM casualty_reports r WHERE r.incident_id = ANY(${incidentIds}::uuid[]) AND r.deleted_at IS NULL
    ORDER BY r.created_at, r.id`)
  return rows.map(toCasualtyReport)
}

/** A live casualty report with its sources. */
export async function getCasualtyReport (on: Reader, id: string): Promise<ReportRow> {
  const [row] = await rawRows<ReportRow>(on, Prisma.sql`SELECT ${reportRowSql} FROM casualty_reports r WHERE r.id = ${id}::uuid AND r.deleted_at IS NULL`)
  if (!row) throw notFound('Casualty report', id)
  return row
}
