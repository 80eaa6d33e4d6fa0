import type { Tx } from '../../db/client.ts'
import { recordChange } from '../changes/repository.ts'
import { findIncident, toIncident } from '../incidents/views.ts'
import { derivedColumns, sameDerived } from './rules.ts'

/**
 * Recomputes an incident's fatalities and contested flag inside the write's transaction (the
 * caller holds the incident's row lock). When they change, the incident gets a new version and a
 * change-log entry, so ETags and mirrors see derived changes like any other.
 */
export async function refreshIncidentDerived (tx: Tx, incidentId: string, keyName: string | null) {
  const killed = await tx.casualtyReport.findMany({
    where: { incidentId, category: 'killed', deletedAt: null },
    select: { min: true, max: true, qualifier: true }
  })
  const denials = await tx.statementIncident.count({
    where: { incidentId, statement: { kind: 'denial', deletedAt: null } }
  })
  const derived = derivedColumns(killed, denials > 0)
  const current = await findIncident(tx, incidentId)
  if (sameDerived(current, derived)) return
  await tx.incident.update({
    where: { id: incidentId },
    data: { ...derived, version: { increment: 1 }, updatedAt: new Date() }
  })
  const after = await findIncident(tx, incidentId)
  await recordChange(tx, { entity: 'incident', id: incidentId, action: 'updated', version: after.version, before: toIncident(current), after: toIncident(after), keyName })
}
