/** Streaming exports running at once, per client (API key, else address) and in all, per API process. */
export interface ExportLimits { perClient: number, total: number }

export const defaultExportLimits: ExportLimits = { perClient: 8, total: 32 }
