import type { CasualtyQualifier } from '../../generated/prisma/enums.ts'

export interface KilledReport { min: number, max: number | null, qualifier: CasualtyQualifier }
export interface Fatalities { low: number, best: number, high: number }

/**
 * A report's point estimate: its figure, the bound it is sure of, or the middle of its range. An
 * unquantified report ("multiple") counts as at_least its min, the least number its phrase implies.
 */
export function pointEstimate (r: KilledReport): number {
  switch (r.qualifier) {
    case 'at_most': return r.max ?? r.min
    case 'range': return Math.floor((r.min + (r.max ?? r.min)) / 2)
    case 'unquantified': return r.min
    default: return r.min
  }
}

/**
 * The fatality roll-up of API.md §2: low = smallest lower bound, high = largest upper bound
 * (max if given, else min), best = median of the point estimates, rounded down.
 */
export function rollUp (reports: KilledReport[]): Fatalities | null {
  if (reports.length === 0) return null
  const low = Math.min(...reports.map((r) => r.min))
  const high = Math.max(...reports.map((r) => r.max ?? r.min))
  const points = reports.map(pointEstimate).sort((a, b) => a - b)
  const mid = points.length >> 1
  const best = points.length % 2 === 1 ? points[mid] : Math.floor((points[mid - 1] + points[mid]) / 2)
  return { low, best, high }
}

/** Contested: a live denial is linked to the incident, or the killed reports disagree. */
export function isContested (fatalities: Fatalities | null, hasDenial: boolean): boolean {
  return hasDenial || (fatalities !== null && fatalities.low !== fatalities.high)
}
