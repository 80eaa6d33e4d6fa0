/**
 * Streaming exports running at once, per client (API key, else address) and in all, per API process;
 * how long one may run; and who writes its text.
 */
export interface ExportLimits {
  perClient: number
  total: number
  /** statement_timeout of an export's COPY: the whole export, however slowly its client reads */
  timeoutMs: number
  /** 'copy': PostgreSQL writes the text (COPY … TO STDOUT); 'js': the reference path, keyset batches turned into views in Node */
  engine: 'copy' | 'js'
}

export const defaultExportLimits: ExportLimits = { perClient: 8, total: 32, timeoutMs: 600_000, engine: 'copy' }
