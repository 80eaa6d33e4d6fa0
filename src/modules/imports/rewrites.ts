import { toIncident } from '../incidents/views.ts'
import { toCasualtyReport } from '../casualties/views.ts'
import type { Accepted } from './judge.ts'

// A dataset import run again rewrites the incidents and figures it finds by their dataset ids. A
// record the file leaves as it was keeps its version: no write, no change in the log, so a mirror
// following /v1/changes sees only what the new file really changed.

/** The views of a rewritten incident, before and after (its relations are kept, so the after view shows the stored ones). */
export const incidentViews = ({ before, after }: Accepted['rewrites']['incidents'][number]) =>
  ({ before: toIncident(before), after: toIncident({ ...after, relations: before.relations }) })

export const reportViews = ({ before, after }: Accepted['rewrites']['reports'][number]) =>
  ({ before: toCasualtyReport(before), after: toCasualtyReport(after) })

const same = (a: { updatedAt: string, version: number }, b: { updatedAt: string, version: number }) =>
  JSON.stringify({ ...a, updatedAt: '', version: 0 }) === JSON.stringify({ ...b, updatedAt: '', version: 0 })

/** Leaves out the rewrites that change nothing; returns how many were left out. Run once the roll-ups are settled. */
export function dropUnchanged (accepted: Accepted): number {
  const { incidents, reports } = accepted.rewrites
  accepted.rewrites.incidents = incidents.filter((r) => { const v = incidentViews(r); return !same(v.before, v.after) })
  accepted.rewrites.reports = reports.filter((r) => { const v = reportViews(r); return !same(v.before, v.after) })
  return incidents.length - accepted.rewrites.incidents.length + reports.length - accepted.rewrites.reports.length
}
