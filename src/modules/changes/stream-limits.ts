/** How many event streams may be open at once (per API process), and for how long. */
export interface StreamLimits {
  perAddress: number
  perKey: number
  total: number
  maxLifetimeMs: number
}

export const defaultStreamLimits: StreamLimits = { perAddress: 10, perKey: 20, total: 1000, maxLifetimeMs: 3_600_000 }
