import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import type { SchemaElement } from 'hyparquet'
import type { ColumnKind } from '../db/export-sql.ts'

/**
 * A column's Parquet type from its declared kind: timestamps as UTC timestamps (milliseconds), numbers
 * as numbers, enums, ids and text as UTF-8 strings, arrays as JSON text. Every column is optional.
 */
function element (name: string, kind: ColumnKind): SchemaElement {
  const optional = { name, repetition_type: 'OPTIONAL' } as const
  switch (kind) {
    case 'time': return { ...optional, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } }
    case 'int': return { ...optional, type: 'INT32' }
    case 'float': return { ...optional, type: 'DOUBLE' }
    case 'bool': return { ...optional, type: 'BOOLEAN' }
    case 'list': return { ...optional, type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' } }
    default: return { ...optional, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } }
  }
}

function valueAt (row: Record<string, unknown>, path: string): unknown {
  let value: unknown = row
  for (const key of path.split('.')) {
    if (value === null || value === undefined || typeof value !== 'object') return null
    value = (value as Record<string, unknown>)[key]
  }
  return value ?? null
}

const cell = (kind: ColumnKind, value: unknown) => (value !== null && kind === 'time' ? new Date(value as string) : value)

export interface ParquetColumn { name: string, kind: ColumnKind }

/**
 * A Parquet file written as its rows arrive: one row group per batch, its bytes handed on as soon as
 * the group is encoded, so memory holds one batch however many rows match. The footer comes last.
 */
export async function * parquetFile (batches: AsyncIterable<object[]>, columns: ParquetColumn[]): AsyncGenerator<Buffer> {
  const writer = new ByteWriter()
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.map((c) => element(c.name, c.kind))]
  const file = new ParquetWriter({ writer, schema, createdBy: 'sitrep' })
  const take = () => {
    const bytes = Buffer.from(writer.getBytes())
    writer.index = 0
    return bytes
  }
  for await (const batch of batches) {
    if (batch.length === 0) continue
    const rows = batch as Array<Record<string, unknown>>
    await file.write({
      columnData: columns.map((c) => ({ name: c.name, data: rows.map((row) => cell(c.kind, valueAt(row, c.name))) })),
      rowGroupSize: rows.length
    })
    yield take()
  }
  await file.finish()
  yield take()
}
