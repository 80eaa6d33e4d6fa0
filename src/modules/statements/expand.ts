import type pg from 'pg'
import { loadActorViews } from '../actors/views.ts'
import { loadSourceViews } from '../sources/views.ts'
import { loadIncidentRows } from '../incidents/views.ts'
import { expandIncidents } from '../incidents/expand.ts'
import { loadStatementRows, toStatement, type StatementRow } from './views.ts'
import type { StatementView, statementIncludes } from './schemas.ts'

export type StatementInclude = typeof statementIncludes[number]

/** Expands the requested relations for a whole page: one query per relation, never per row. */
export async function expandStatements (pool: pg.Pool, rows: StatementRow[], include: StatementInclude[] = []): Promise<StatementView[]> {
  const views: StatementView[] = rows.map(toStatement)
  if (include.length === 0 || rows.length === 0) return views
  const wants = (i: StatementInclude) => include.includes(i)
  // One query per relation, all at once.
  const [actors, sources, incidents, answered] = await Promise.all([
    wants('speaker') || wants('aboutActors') ? loadActorViews(pool, views.flatMap((v) => [v.speakerId, ...v.aboutActorIds])) : undefined,
    wants('sources') ? loadSourceViews(pool, views.flatMap((v) => v.sourceIds)) : undefined,
    wants('incidents')
      ? loadIncidentRows(pool, [...new Set(views.flatMap((v) => v.incidentIds))])
        .then((found) => expandIncidents(pool, found)).then((expanded) => new Map(expanded.map((i) => [i.id, i])))
      : undefined,
    wants('respondsTo')
      ? loadStatementRows(pool, [...new Set(views.flatMap((v) => (v.respondsToId ? [v.respondsToId] : [])))]).then((found) => new Map(found.map((r) => [r.id, toStatement(r)])))
      : undefined
  ])
  for (const v of views) {
    if (wants('speaker')) v.speaker = actors!.get(v.speakerId)!
    if (wants('aboutActors')) v.aboutActors = v.aboutActorIds.map((id) => actors!.get(id)!)
    if (sources) v.sources = v.sourceIds.map((id) => sources.get(id)!)
    if (incidents) v.incidents = v.incidentIds.map((id) => incidents.get(id)!).filter(Boolean)
    if (answered) v.respondsTo = v.respondsToId ? answered.get(v.respondsToId) ?? null : null
  }
  return views
}
