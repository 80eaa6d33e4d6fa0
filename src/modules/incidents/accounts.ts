import { z } from 'zod'
import type pg from 'pg'
import { actorSchema, type ActorView } from '../actors/schemas.ts'
import { loadActorViews } from '../actors/views.ts'
import { casualtyReportSchema, type CasualtyReportView } from '../casualties/schemas.ts'
import { loadCasualtyReports } from '../casualties/views.ts'
import { loadIncidentStatements } from '../statements/views.ts'
import { statementSummarySchema, type StatementSummary } from '../statements/summary.ts'
import { fatalitiesSchema, type IncidentView } from './schemas.ts'

export const accountsSchema = z.object({
  incidentId: z.uuid(),
  fatalities: fatalitiesSchema.nullable(),
  contested: z.boolean(),
  accounts: z.array(z.object({
    actor: actorSchema.nullable().describe('null for unattributed casualty figures'),
    statements: z.array(statementSummarySchema).describe('what this actor said about the incident, oldest first'),
    casualtyReports: z.array(casualtyReportSchema).describe('the figures this actor gave')
  }))
}).meta({ id: 'IncidentAccounts', description: 'Who says what about one incident: one entry per actor that made a statement or gave a figure' })

interface Account { actor: ActorView | null, statements: StatementSummary[], casualtyReports: CasualtyReportView[] }

/** "Who says what": the incident's statements and casualty figures grouped by the actor who gave them. */
export async function incidentAccounts (pool: pg.Pool, incident: IncidentView) {
  const [statements, reports] = await Promise.all([loadIncidentStatements(pool, [incident.id]), loadCasualtyReports(pool, [incident.id])])
  const actorIds = [...new Set([...statements.map((s) => s.speakerId), ...reports.flatMap((r) => (r.reportedById ? [r.reportedById] : []))])]
  const actors = await loadActorViews(pool, actorIds)
  const accounts = new Map<string, Account>()
  const accountOf = (actorId: string | null) => {
    const key = actorId ?? ''
    if (!accounts.has(key)) accounts.set(key, { actor: actorId ? actors.get(actorId) ?? null : null, statements: [], casualtyReports: [] })
    return accounts.get(key)!
  }
  for (const s of statements) accountOf(s.speakerId).statements.push(s)
  for (const r of reports) accountOf(r.reportedById).casualtyReports.push(r)
  // Named actors alphabetically, unattributed figures last.
  const ordered = [...accounts.values()].sort((a, b) =>
    a.actor === null ? 1 : b.actor === null ? -1 : a.actor.name.localeCompare(b.actor.name))
  return { incidentId: incident.id, fatalities: incident.fatalities, contested: incident.contested, accounts: ordered }
}
