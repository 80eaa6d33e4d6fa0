import type { IncidentRow } from '../incidents/views.ts'
import { isDisputed, type LinkedDenial } from '../incidents/rules.ts'
import { derivedColumns, sameDerived } from '../casualties/rules.ts'
import type { KilledReport } from '../casualties/rollup.ts'
import type { Accepted } from './judge.ts'
import type { Facts } from './facts.ts'

/**
 * Every touched incident's fatalities, contested flag and disputed roles, computed once from all its
 * live killed reports and denials, old and new, by the rules the single writes use. New and rewritten
 * incidents get them in their rows (and so in their change); other existing incidents whose values change are
 * returned as they were and as they will be, with the roles whose `disputed` turns.
 */
export function settleRollUps (accepted: Accepted, facts: Facts): { changed: Array<{ before: IncidentRow, after: IncidentRow }>, flipped: string[] } {
  const killed = new Map<string, KilledReport[]>()
  const rewritten = accepted.rewrites.reports.map((r) => r.after)
  const replaced = new Set(rewritten.map((r) => r.id))
  for (const r of [...facts.reports.filter((r) => !replaced.has(r.id)), ...accepted.reports, ...rewritten]) {
    if (r.category !== 'killed') continue
    const list = killed.get(r.incidentId)
    if (list) list.push(r)
    else killed.set(r.incidentId, [r])
  }
  const denials = new Map([...facts.denials].map(([id, list]) => [id, [...list]]))
  const deny = (incidentId: string, d: LinkedDenial) => {
    const list = denials.get(incidentId)
    if (list) list.push(d)
    else denials.set(incidentId, [d])
  }
  for (const s of accepted.statements) if (s.kind === 'denial') for (const link of s.incidents) deny(link.incidentId, s)
  for (const link of accepted.statementLinks) {
    const cited = facts.cited.get(link.statementId)
    if (cited?.kind === 'denial') deny(link.incidentId, cited)
  }
  const derive = (incidentId: string, roles: Array<{ actorId: string, statementIds: string[] }>) => {
    const linked = denials.get(incidentId) ?? []
    const disputed = roles.map((r) => isDisputed(r, linked))
    return { columns: derivedColumns(killed.get(incidentId) ?? [], linked.length > 0 || disputed.some(Boolean)), disputed }
  }

  const rewrittenIncidents = accepted.rewrites.incidents.map((r) => r.after)
  for (const incident of [...accepted.incidents, ...rewrittenIncidents]) {
    const { columns, disputed } = derive(incident.id, incident.actors)
    Object.assign(incident, columns)
    for (const [n, role] of incident.actors.entries()) role.disputed = disputed[n]
  }
  const changed = []
  const flipped: string[] = []
  const settled = new Set(rewrittenIncidents.map((i) => i.id))
  for (const before of facts.incidents.values()) {
    if (settled.has(before.id)) continue
    const { columns, disputed } = derive(before.id, before.actors)
    const turned = before.actors.filter((a, n) => a.disputed !== disputed[n])
    if (sameDerived(before, columns) && turned.length === 0) continue
    flipped.push(...turned.map((a) => a.id))
    const actors = before.actors.map((a, n) => ({ ...a, disputed: disputed[n] }))
    changed.push({ before, after: { ...before, ...columns, actors, version: before.version + 1, updatedAt: facts.now } })
  }
  return { changed, flipped }
}
