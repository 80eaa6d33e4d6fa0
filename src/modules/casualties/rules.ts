import type { Incident } from '../../generated/prisma/client.ts'
import { Problem } from '../../http/problems.ts'
import type { Reference } from '../../db/references.ts'
import { isContested, rollUp, type KilledReport } from './rollup.ts'
import type { CreateCasualty } from './schemas.ts'

// The write rules of a casualty report, shared by the single writes (repository.ts, derived.ts) and
// the import (imports/judge.ts, imports/rollups.ts).

/** The figure of a report as written: its numbers, qualifier and, for unquantified, the source's words. */
export type Figure = KilledReport & { phrase?: string | null }

/** Why a report's figures are inconsistent, or null when they are fine. */
export function figureProblem (r: Figure): { path: 'max' | 'min' | 'phrase', message: string } | null {
  if (r.qualifier === 'unquantified') {
    if (r.phrase == null) return { path: 'phrase', message: 'phrase is required with qualifier unquantified: the words of the source, e.g. "multiple"' }
    if (r.min < 1) return { path: 'min', message: 'with qualifier unquantified, min is the least number the phrase implies (≥ 1; "multiple" → 2)' }
    if (r.max !== null) return { path: 'max', message: 'max is not given with qualifier unquantified' }
    return null
  }
  if (r.phrase != null) return { path: 'phrase', message: `phrase is only given with qualifier unquantified, not ${r.qualifier}` }
  if (r.qualifier === 'range' || r.qualifier === 'at_most') {
    if (r.max === null) return { path: 'max', message: `max is required with qualifier ${r.qualifier}` }
    if (r.max < r.min) return { path: 'max', message: 'max must be ≥ min' }
    return null
  }
  if (r.max !== null) return { path: 'max', message: `max is only given with qualifier range or at_most, not ${r.qualifier}` }
  return null
}

export const reportReferences = (input: Pick<CreateCasualty, 'reportedById' | 'affectedActorId' | 'sourceIds'>): Reference[] => [
  ...(input.reportedById ? [{ kind: 'actor' as const, id: input.reportedById, path: 'reportedById' }] : []),
  ...(input.affectedActorId ? [{ kind: 'actor' as const, id: input.affectedActorId, path: 'affectedActorId' }] : []),
  ...input.sourceIds.map((id, n) => ({ kind: 'source' as const, id, path: `sourceIds.${n}` }))
]

/**
 * One live report per incident, reporter, affected party and category: a reporter may give separate
 * figures for civilians and for soldiers, but not two for the same people. Null (unattributed,
 * unstated) is a value of its own here, as in the unique index (NULLS NOT DISTINCT).
 */
export type TwinFields = { incidentId: string, reportedById: string | null, affectedActorId: string | null, category: string }
export const twinKey = (r: TwinFields) => `${r.incidentId}|${r.reportedById ?? ''}|${r.affectedActorId ?? ''}|${r.category}`

/** The 409 for a second live report by one reporter about the same people in one category on one incident. */
export const twinConflict = (category: string, twinId: string) =>
  new Problem('conflict', `This reporter already has a ${category} report on the incident for the same affected party (id ${twinId}); update it instead`,
    { existing: { id: twinId } })

/** The report's own columns (not its source links). */
export function reportColumns (incidentId: string, input: CreateCasualty) {
  const { sourceIds, reportedAt, ...fields } = input
  return { ...fields, incidentId, reportedAt: reportedAt ? new Date(reportedAt) : null }
}

/** The rows of the report's source links, without repeats, numbered in the order given. */
export const reportSourceLinks = (casualtyReportId: string, sourceIds: string[]) =>
  [...new Set(sourceIds)].map((sourceId, position) => ({ casualtyReportId, sourceId, position }))

export type DerivedColumns = Pick<Incident, 'fatalitiesLow' | 'fatalitiesBest' | 'fatalitiesHigh' | 'contested'>

/** An incident's derived columns, from its live killed reports and whether a live denial is linked to it. */
export function derivedColumns (killed: KilledReport[], hasDenial: boolean): DerivedColumns {
  const fatalities = rollUp(killed)
  return {
    fatalitiesLow: fatalities?.low ?? null,
    fatalitiesBest: fatalities?.best ?? null,
    fatalitiesHigh: fatalities?.high ?? null,
    contested: isContested(fatalities, hasDenial)
  }
}

export const sameDerived = (a: DerivedColumns, b: DerivedColumns) =>
  a.fatalitiesLow === b.fatalitiesLow && a.fatalitiesBest === b.fatalitiesBest && a.fatalitiesHigh === b.fatalitiesHigh && a.contested === b.contested
