import type { FieldError } from '../../http/problems.ts'
import { partOfCycle, sameAsConflict } from '../incidents/rules.ts'
import type { StatementRow } from '../statements/views.ts'
import type { Accepted, NewIncident } from './judge.ts'
import type { Facts } from './facts.ts'
import type { Line } from './lines.ts'

// Relations between the file's own incidents are judged once every incident line is: a relation may
// name an incident further down. Existing incidents cannot close a part_of cycle or repeat a same_as
// with a new one: no stored relation points at an incident the file creates.

const lineError = (n: number, path: string, message: string): FieldError => ({ in: 'body', line: n, path: `data.${path}`, message })

/** A same_as given both ways within the file, and part_of cycles among the file's incidents, each reported on a line of it. */
export function relationErrors (incidents: NewIncident[], lines: Line[]): FieldError[] {
  const lineOf = new Map(lines.map((l) => [l.id, l.n]))
  const errors: FieldError[] = []
  const pairs = new Map<string, string>()
  for (const incident of incidents) {
    for (const [n, r] of incident.relations.entries()) {
      if (r.kind !== 'same_as') continue
      const pair = [r.fromId, r.toId].sort().join('|')
      const holder = pairs.get(pair)
      if (holder && holder !== r.fromId) errors.push(lineError(lineOf.get(r.fromId)!, `relations.${n}.incidentId`, sameAsConflict(holder, r.toId)))
      else pairs.set(pair, r.fromId)
    }
  }
  const parents = new Map(incidents.map((i) => [i.id, i.relations.filter((r) => r.kind === 'part_of').map((r) => r.toId)]))
  const done = new Set<string>()
  const path: string[] = []
  const onPath = new Set<string>()
  const walk = (id: string): string[] | null => {
    if (onPath.has(id)) return [...path.slice(path.indexOf(id)), id]
    if (done.has(id) || !parents.has(id)) return null
    path.push(id)
    onPath.add(id)
    for (const parent of parents.get(id)!) {
      const cycle = walk(parent)
      if (cycle) return cycle
    }
    path.pop()
    onPath.delete(id)
    done.add(id)
    return null
  }
  for (const incident of incidents) {
    const cycle = walk(incident.id)
    if (!cycle) continue
    const n = incident.relations.findIndex((r) => r.kind === 'part_of' && r.toId === cycle[1])
    errors.push(lineError(lineOf.get(cycle[0])!, `relations.${n}.incidentId`, partOfCycle(cycle)))
    break
  }
  return errors
}

/**
 * Links every statement a new incident's role or relation cites to that incident, as a single write does:
 * the file's own statements in their rows, existing ones (locked by loadFacts) as rows to add, each
 * such statement with its state before and after for the change log.
 */
export function linkCitedStatements (accepted: Accepted, facts: Facts) {
  const fileStatements = new Map(accepted.statements.map((s) => [s.id, s]))
  const existing = new Map<string, { before: StatementRow, after: StatementRow }>()
  for (const incident of accepted.incidents) {
    for (const statementId of new Set([...incident.actors.flatMap((a) => a.statementIds), ...incident.relations.flatMap((r) => r.statementIds)])) {
      const own = fileStatements.get(statementId)
      if (own) {
        if (!own.incidents.some((l) => l.incidentId === incident.id)) own.incidents.push({ statementId, incidentId: incident.id, position: own.incidents.length })
        continue
      }
      const before = facts.cited.get(statementId)!
      const entry = existing.get(statementId) ?? { before, after: { ...before, incidents: [...before.incidents], version: before.version + 1, updatedAt: facts.now } }
      entry.after.incidents.push({ incidentId: incident.id })
      existing.set(statementId, entry)
      accepted.statementLinks.push({ statementId, incidentId: incident.id, position: entry.after.incidents.length - 1 })
    }
  }
  accepted.linkedStatements = [...existing.values()]
}
