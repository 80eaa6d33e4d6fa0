import type pg from 'pg'
import { importLines, type ImportOptions } from '../service.ts'
import type { DatasetFormat, ImportResult } from '../schemas.ts'
import { acled, acledEvents } from './acled.ts'
import { ucdp, ucdpEvents } from './ucdp.ts'
import { datasetRecords } from './events.ts'

const readers = {
  acled: { info: acled, events: acledEvents },
  'ucdp-ged': { info: ucdp, events: ucdpEvents }
}

/**
 * Imports an ACLED or UCDP GED CSV file through the NDJSON import's checks, writes and change log:
 * atomic, every unmappable row listed with its line, and a file imported again rewrites the
 * incidents (and the dataset's figures) it finds by their dataset ids instead of adding new ones.
 */
export function runDatasetImport (pool: pg.Pool, from: DatasetFormat, text: string, opts: ImportOptions): Promise<ImportResult> {
  const reader = readers[from]
  const { events, errors } = reader.events(text)
  return importLines(pool, (client) => datasetRecords(client, reader.info, events, errors), opts)
}
