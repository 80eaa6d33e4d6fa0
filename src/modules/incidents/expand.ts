import type pg from 'pg'
import { groupBy } from '../../db/rows.ts'
import { loadActorViews } from '../actors/views.ts'
import { loadSourceViews } from '../sources/views.ts'
import { loadCasualtyReports } from '../casualties/views.ts'
import { loadIncidentStatements } from '../statements/views.ts'
import { toIncident, type IncidentRow } from './views.ts'
import type { IncidentView, incidentIncludes } from './schemas.ts'

export type Include = typeof incidentIncludes[number]

/** Expands the requested relations for a whole page at once: one query per relation, never per row, all at once. */
export async function expandIncidents (pool: pg.Pool, rows: IncidentRow[], include: Include[] = []): Promise<IncidentView[]> {
  const views = rows.map(toIncident)
  if (include.length === 0 || rows.length === 0) return views
  const ids = views.map((v) => v.id)
  const [actors, sources, reports, statements] = await Promise.all([
    include.includes('actors') ? loadActorViews(pool, rows.flatMap((r) => r.actors.map((a) => a.actorId))) : undefined,
    include.includes('sources') ? loadSourceViews(pool, rows.flatMap((r) => r.sources.map((s) => s.sourceId))) : undefined,
    include.includes('casualties') ? loadCasualtyReports(pool, ids).then((all) => groupBy(all.map((r) => [r.incidentId, r]))) : undefined,
    include.includes('statements')
      ? loadIncidentStatements(pool, ids).then((all) => groupBy(all.flatMap((s) => s.incidentIds.map((id) => [id, s] as const))))
      : undefined
  ])
  for (const v of views) {
    if (actors) v.actors = v.actors.map((a) => ({ ...a, actor: actors.get(a.actorId) }))
    if (sources) v.sources = v.sourceIds.map((id) => sources.get(id)!).filter(Boolean)
    if (reports) v.casualtyReports = reports.get(v.id) ?? []
    if (statements) v.statements = statements.get(v.id) ?? []
  }
  return views
}
