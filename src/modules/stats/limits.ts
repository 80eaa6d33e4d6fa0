/** Bounds on one stats answer and on the memory the stats cache keeps (per API process). */
export interface StatsLimits { maxRows: number, cacheBytes: number }

export const defaultStatsLimits: StatsLimits = { maxRows: 10_000, cacheBytes: 64 * 1024 * 1024 }
