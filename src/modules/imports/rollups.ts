import type { IncidentRow } from '../incidents/views.ts'
import { derivedColumns, sameDerived } from '../casualties/rules.ts'
import type { KilledReport } from '../casualties/rollup.ts'
import type { Accepted } from './judge.ts'
import type { Facts } from './facts.ts'

/**
 * Every touched incident's fatalities and contested flag, computed once from all its live killed
 * reports and denials, old and new. New incidents get them in their row (and so in their 'created'
 * change); existing incidents whose values change are returned as they were and as they will be.
 */
export function settleRollUps (accepted: Accepted, facts: Facts): Array<{ before: IncidentRow, after: IncidentRow }> {
  const killed = new Map<string, KilledReport[]>()
  for (const r of [...facts.reports, ...accepted.reports]) {
    if (r.category !== 'killed') continue
    const list = killed.get(r.incidentId)
    if (list) list.push(r)
    else killed.set(r.incidentId, [r])
  }
  const denied = new Set(facts.denied)
  for (const s of accepted.statements) if (s.kind === 'denial') for (const link of s.incidents) denied.add(link.incidentId)
  for (const link of accepted.statementLinks) if (facts.cited.get(link.statementId)?.kind === 'denial') denied.add(link.incidentId)

  for (const incident of accepted.incidents) Object.assign(incident, derivedColumns(killed.get(incident.id) ?? [], denied.has(incident.id)))
  const changed = []
  for (const before of facts.incidents.values()) {
    const derived = derivedColumns(killed.get(before.id) ?? [], denied.has(before.id))
    if (sameDerived(before, derived)) continue
    changed.push({ before, after: { ...before, ...derived, version: before.version + 1, updatedAt: facts.now } })
  }
  return changed
}
