import type { Tx } from '../../db/client.ts'
import { recordChange } from '../changes/repository.ts'
import { findIncident, linkedDenials, toIncident, type IncidentRow } from '../incidents/views.ts'
import { isDisputed, type LinkedDenial } from '../incidents/rules.ts'
import { derivedColumns, sameDerived } from './rules.ts'

// An incident's derived values: fatalities and contested on its row, `disputed` on each of its roles.
// All are stored, and refreshed here in the transaction of every write that can change them.

/** The roles (row ids) of these incidents whose stored `disputed` differs from what their denials make it. */
export const flippedRoles = (rows: IncidentRow[], denials: Map<string, LinkedDenial[]>) =>
  rows.flatMap((i) => i.actors.filter((a) => a.disputed !== isDisputed(a, denials.get(i.id) ?? [])).map((a) => a.id))

/** Stores the roles' `disputed` where it changed; true when one did. One statement for any number of incidents (the actor merge). */
export async function settleDisputed (tx: Tx, rows: IncidentRow[], denials: Map<string, LinkedDenial[]>) {
  const flipped = flippedRoles(rows, denials)
  if (flipped.length > 0) await tx.$executeRaw`UPDATE incident_actors SET disputed = NOT disputed WHERE id = ANY(${flipped}::uuid[])`
  return flipped.length > 0
}

/** Recomputes and stores the derived values; true when one changed. */
async function settle (tx: Tx, current: IncidentRow, bump: boolean) {
  const incidentId = current.id
  const killed = await tx.casualtyReport.findMany({
    where: { incidentId, category: 'killed', deletedAt: null },
    select: { min: true, max: true, qualifier: true }
  })
  const denials = await linkedDenials(tx, [incidentId])
  const linked = denials.get(incidentId) ?? []
  const rolesChanged = await settleDisputed(tx, [current], denials)
  // A disputed role needs a denial linked, so this is "a denial is linked" in effect; written as the contract says it.
  const derived = derivedColumns(killed, linked.length > 0 || current.actors.some((a) => isDisputed(a, linked)))
  if (sameDerived(current, derived) && !rolesChanged) return false
  await tx.incident.update({ where: { id: incidentId }, data: bump ? { ...derived, version: { increment: 1 }, updatedAt: new Date() } : derived })
  return true
}

/**
 * Inside the incident's own write, which gives it a new version and logs it: its derived values as
 * its new links make them (a role given a statement a denial answers is disputed at once).
 */
export async function settleIncidentDerived (tx: Tx, incidentId: string) {
  await settle(tx, await findIncident(tx, incidentId), false)
}

/**
 * Recomputes an incident's fatalities, contested flag and disputed roles inside the write's
 * transaction (the caller holds the incident's row lock). When one changes, the incident gets a new
 * version and a change-log entry, so ETags and mirrors see derived changes like any other.
 */
export async function refreshIncidentDerived (tx: Tx, incidentId: string, keyName: string | null) {
  const current = await findIncident(tx, incidentId)
  if (!await settle(tx, current, true)) return
  const after = await findIncident(tx, incidentId)
  await recordChange(tx, { entity: 'incident', id: incidentId, action: 'updated', version: after.version, before: toIncident(current), after: toIncident(after), keyName })
}
