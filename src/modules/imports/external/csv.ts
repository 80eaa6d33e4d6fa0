import { CsvError, parse } from 'csv-parse/sync'
import type { FieldError } from '../../../http/problems.ts'

/** A data row of a CSV file, by column name, with the line of the file it starts on. */
export interface CsvRow { at: number, get: (column: string) => string }

/**
 * Reads a dataset's CSV export (header row, RFC 4180 quoting, notes that span lines). Every column
 * in `required` must be in the header; other columns are ignored, as datasets add columns over time.
 */
export function readCsv (text: string, required: readonly string[]): { rows: CsvRow[], errors: FieldError[] } {
  let records: Array<{ record: Record<string, string>, info: { lines: number, empty_lines: number } }>
  try {
    records = parse(text, { columns: true, info: true, bom: true, skip_empty_lines: true, trim: true })
  } catch (err) {
    if (!(err instanceof CsvError)) throw err
    const line = (err as CsvError & { lines?: number }).lines ?? 1
    return { rows: [], errors: [{ in: 'body', line, path: '', message: `not valid CSV: ${err.message}` }] }
  }
  if (records.length === 0) return { rows: [], errors: [{ in: 'body', line: 1, path: '', message: 'the file has no data rows under its header' }] }
  const header = new Set(Object.keys(records[0].record))
  const missing = required.filter((c) => !header.has(c))
  if (missing.length > 0) return { rows: [], errors: [{ in: 'body', line: 1, path: '', message: `the header lacks the column(s) ${missing.join(', ')}` }] }
  // csv-parse tells where a record ends; it starts after the previous one and the empty lines between.
  let end = 1
  let empty = 0
  const rows = records.map(({ record, info }) => {
    const at = end + 1 + (info.empty_lines - empty)
    end = info.lines
    empty = info.empty_lines
    return { at, get: (column: string) => record[column] ?? '' }
  })
  return { rows, errors: [] }
}
