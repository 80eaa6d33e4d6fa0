import type pg from 'pg'
import { loadActorViews } from '../actors/views.ts'
import { loadIncidentRows, toIncident } from '../incidents/views.ts'
import { toCasualtyReport, type ReportRow } from './views.ts'
import type { casualtyIncludes } from './schemas.ts'
import type { CasualtyLedgerView } from './ledger-schemas.ts'

export type CasualtyInclude = typeof casualtyIncludes[number]

/** Expands the requested relations for a whole page: one query per relation, never per row, all at once. */
export async function expandCasualties (pool: pg.Pool, rows: ReportRow[], include: CasualtyInclude[] = []): Promise<CasualtyLedgerView[]> {
  const views: CasualtyLedgerView[] = rows.map(toCasualtyReport)
  if (include.length === 0 || rows.length === 0) return views
  const wants = (i: CasualtyInclude) => include.includes(i)
  const actorIds = views.flatMap((v) => [...(wants('reportedBy') && v.reportedById ? [v.reportedById] : []), ...(wants('affectedActor') && v.affectedActorId ? [v.affectedActorId] : [])])
  const [incidents, actors] = await Promise.all([
    wants('incident') ? loadIncidentRows(pool, [...new Set(views.map((v) => v.incidentId))]).then((found) => new Map(found.map((i) => [i.id, toIncident(i)]))) : undefined,
    actorIds.length > 0 ? loadActorViews(pool, actorIds) : undefined
  ])
  for (const v of views) {
    if (incidents) v.incident = incidents.get(v.incidentId)
    if (wants('reportedBy')) v.reportedBy = v.reportedById ? actors?.get(v.reportedById) ?? null : null
    if (wants('affectedActor')) v.affectedActor = v.affectedActorId ? actors?.get(v.affectedActorId) ?? null : null
  }
  return views
}
