import { Prisma } from '../generated/prisma/client.ts'
import { snake } from './rows.ts'

/**
 * A record's view declared once as SQL, from which PostgreSQL writes each export format's text
 * byte for byte as the JS path does (src/http/formats.ts: JSON.stringify, flatten, csv-stringify):
 * the view's JSON for NDJSON, its flattened fields for CSV and GeoJSON properties.
 */
export type ExportField =
  /** `lookup`: the value is a constant table's entry for an enum column (lookupField) */
  | { key: string, kind: 'text' | 'uuid' | 'enum' | 'int' | 'bool' | 'float' | 'time', sql: Prisma.Sql, lookup?: Lookup }
  /** an array: its JSON, and its flat form (items joined; an item object's values joined with ":") */
  | { key: string, kind: 'list', json: Prisma.Sql, flat: (separator: string) => Prisma.Sql }
  /** a nested object: null when `nullWhen` holds; `omitNull` leaves out its null keys (externalIds) */
  | { key: string, kind: 'object', fields: ExportField[], nullWhen?: Prisma.Sql, omitNull?: boolean }

type Scalar = Extract<ExportField, { sql: Prisma.Sql }>['kind']
interface Lookup { column: string, table: Record<string, string> }
export const field = (kind: Scalar, key: string, sql: Prisma.Sql): ExportField => ({ kind, key, sql })

/** Fields read from columns named after them (`statedAt` from `s.stated_at`), in the order given. */
export const columnFields = (alias: string, kinds: Record<string, Scalar>): ExportField[] =>
  Object.entries(kinds).map(([key, kind]) => field(kind, key, Prisma.raw(`${alias}.${snake(checkedKey(key))}`)))

/** The fields every record's view ends with. */
export const recordTail = (alias: string) => columnFields(alias, { createdAt: 'time', updatedAt: 'time', version: 'int' })

// Keys are the code's own names, written into the SQL as they are: nothing that needs quoting.
function checkedKey (key: string) {
  if (!/^[A-Za-z0-9_.]+$/.test(key)) throw new Error(`unexpected export key ${key}`)
  return key
}
const keyLiteral = (key: string, suffix = ':') => Prisma.raw(`'"${checkedKey(key)}"${suffix}'`)

/**
 * A float8 as JavaScript's Number#toString writes it. PostgreSQL's shortest form has the same digits
 * but switches to an exponent below 1e-4 (JS: below 1e-6) and pads it ("1e-05", JS "1e-7"), and keeps -0.
 */
export function jsNumberSql (x: Prisma.Sql) {
  // float8 constants: a numeric one would convert x to numeric for every comparison (measured: most of the objects' cost).
  // No subquery for the rare branch: a correlated SubPlan makes the whole export query parallel-restricted.
  const m = (n: number) => Prisma.sql`(regexp_match(${x}::text, '^(-?)(\\d)(?:\\.(\\d+))?e-(\\d+)$'))[${Prisma.raw(String(n))}]`
  return Prisma.sql`(CASE WHEN ${x} = 0::float8 THEN '0' WHEN abs(${x}) >= 1e-4::float8 AND abs(${x}) < 1e15::float8 THEN ${x}::text
    WHEN abs(${x}) >= 1e-6::float8 AND abs(${x}) < 1e-4::float8 THEN ${m(1)} || '0.' || repeat('0', ${m(4)}::int - 1) || ${m(2)} || coalesce(${m(3)}, '')
    ELSE regexp_replace(${x}::text, 'e([-+])0*', 'e\\1') END)`
}

const isoSql = (x: Prisma.Sql) => Prisma.sql`to_char(${x} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** A scalar as JSON text (SQL NULL when null). */
function scalarJson (f: Extract<ExportField, { sql: Prisma.Sql }>) {
  switch (f.kind) {
    case 'text': return Prisma.sql`to_json(${f.sql})::text`
    // Enum labels and uuids hold nothing JSON escapes: quoting them costs less than to_json.
    case 'uuid': case 'enum': return Prisma.sql`('"' || ${f.sql}::text || '"')`
    case 'time': return Prisma.sql`('"' || ${isoSql(f.sql)} || '"')`
    case 'float': return jsNumberSql(f.sql)
    default: return Prisma.sql`${f.sql}::text`
  }
}

/** A scalar as JS's String() of it (SQL NULL when null): CSV cells, flattened array items. */
function scalarText (f: Extract<ExportField, { sql: Prisma.Sql }>) {
  if (f.kind === 'time') return isoSql(f.sql)
  if (f.kind === 'float') return jsNumberSql(f.sql)
  return Prisma.sql`${f.sql}::text`
}

const objectJson = (parts: Prisma.Sql[]) => Prisma.sql`('{' || concat_ws(',', ${Prisma.join(parts)}) || '}')`

/** The JSON text of a value, as JSON.stringify writes the view (SQL NULL for null). */
function valueJson (f: ExportField): Prisma.Sql {
  if (f.kind === 'list') return f.json
  if (f.kind !== 'object') return scalarJson(f)
  const lookups = sameLookups(f)
  if (lookups) return lookupCase(lookups, (entry) => `{${entry.map(([key, value]) => `"${key}":${value}`).join(',')}}`)
  const parts = f.fields.map((s) => f.omitNull
    ? Prisma.sql`${keyLiteral(s.key)} || ${valueJson(s)}`
    : Prisma.sql`${keyLiteral(s.key)} || coalesce(${valueJson(s)}, 'null')`)
  return f.nullWhen ? Prisma.sql`(CASE WHEN ${f.nullWhen} THEN NULL ELSE ${objectJson(parts)} END)` : objectJson(parts)
}

/** The view's JSON text: one NDJSON line. */
export const jsonSql = (fields: ExportField[]) => valueJson({ key: '', kind: 'object', fields })

/** An item of an array as Object.values(item).join(':') (or String(item)), with nested arrays comma-joined. */
export function itemText (fields: ExportField[]) {
  const text = (f: ExportField) => f.kind === 'list' ? f.flat(',') : f.kind === 'object' ? Prisma.sql`NULL` : scalarText(f)
  return fields.length === 1 ? text(fields[0]) : Prisma.sql`concat_ws(':', ${Prisma.join(fields.map((f) => Prisma.sql`coalesce(${text(f)}, '')`))})`
}

/**
 * An array read from a link table: `rows` is its FROM … WHERE (correlated to the record), `order`
 * the items' order, `item` their fields (one scalar field: an array of scalars).
 */
export function listField (key: string, rows: Prisma.Sql, order: Prisma.Sql, item: ExportField[]): ExportField {
  const json = item.length === 1 && item[0].kind !== 'object' ? valueJson(item[0]) : jsonSql(item)
  return {
    key,
    kind: 'list',
    // ARRAY(SELECT …) rather than string_agg(… ORDER BY): no Aggregate node per record (measured ~25% faster).
    json: Prisma.sql`('[' || array_to_string(ARRAY(SELECT ${json} FROM ${rows} ORDER BY ${order}), ',') || ']')`,
    flat: (separator) => Prisma.sql`array_to_string(ARRAY(SELECT ${itemText(item)} FROM ${rows} ORDER BY ${order}), ${Prisma.raw(`'${separator}'`)})`
  }
}

/**
 * An array whose text the row keeps ready (generated columns): `json` its JSON, `flat` its items joined
 * with ";" as CSV writes it. Its items (ids, enum labels, booleans) hold no ";".
 */
export const storedListField = (key: string, json: Prisma.Sql, flat: Prisma.Sql): ExportField => ({
  key,
  kind: 'list',
  json,
  flat: (separator) => separator === ';' ? flat : Prisma.sql`replace(${flat}, ';', ${Prisma.raw(`'${separator}'`)})`
})

/** A text[] (or enum[]) column. */
export const arrayColumn = (key: string, column: Prisma.Sql): ExportField => ({
  key,
  kind: 'list',
  json: Prisma.sql`array_to_json(${column})::text`,
  flat: (separator) => Prisma.sql`array_to_string(${column}, ${Prisma.raw(`'${separator}'`)})`
})

/** A text value looked up from a constant table by an enum column (e.g. the ACLED cross-walk). */
export function lookupSql (column: Prisma.Sql, table: Record<string, string>) {
  // Compared as the enum itself (the literal takes the column's type), not as text: no enum_out per branch.
  const branches = Object.entries(table).map(([k, v]) => Prisma.sql`WHEN ${k} THEN ${v}::text`)
  return Prisma.sql`(CASE ${column} ${Prisma.join(branches, ' ')} END)`
}

/** A text field whose value a constant table gives for each value of an enum column (e.g. the ACLED cross-walk). */
export const lookupField = (key: string, column: string, table: Record<string, string>): ExportField =>
  ({ kind: 'text', key, sql: lookupSql(Prisma.raw(column), table), lookup: { column, table } })

/** An object whose fields are all lookups on one column (the ACLED category): their keys and tables, else undefined. */
function sameLookups (f: Extract<ExportField, { kind: 'object' }>) {
  const fields = f.fields.map((s) => (s.kind !== 'object' && s.kind !== 'list' ? s.lookup : undefined))
  const column = fields[0]?.column
  if (f.nullWhen || f.omitNull || column === undefined || fields.some((l) => l?.column !== column)) return undefined
  return { column, keys: f.fields.map((s) => s.key), tables: fields.map((l) => l!.table) }
}

/**
 * Such an object's text per value of its column, written here once (JSON.stringify, as the JS path) rather
 * than by a CASE and to_json per field and row: one CASE for the whole object. A value no table knows gives nulls.
 */
function lookupCase (l: { column: string, keys: string[], tables: Array<Record<string, string>> }, text: (entry: Array<[string, string]>) => string) {
  const entry = (value: string | undefined) => text(l.keys.map((key, n) => [key, JSON.stringify(value === undefined ? null : l.tables[n][value] ?? null)]))
  const values = [...new Set(l.tables.flatMap((t) => Object.keys(t)))]
  const branches = values.map((v) => Prisma.sql`WHEN ${v} THEN ${entry(v)}::text`)
  return Prisma.sql`(CASE ${Prisma.raw(l.column)} ${Prisma.join(branches, ' ')} ELSE ${entry(undefined)}::text END)`
}

interface Flat { name: string, field: ExportField, nullWhen: Prisma.Sql[], omitNull: boolean }

/** flatten() of src/http/formats.ts at the level of declarations: nested objects become dotted names. */
function flatFields (fields: ExportField[], prefix = '', nullWhen: Prisma.Sql[] = [], omitNull = false): Flat[] {
  return fields.flatMap((f) => {
    const name = prefix ? `${prefix}.${f.key}` : f.key
    if (f.kind !== 'object') return [{ name, field: f, nullWhen, omitNull }]
    return flatFields(f.fields, name, f.nullWhen ? [...nullWhen, f.nullWhen] : nullWhen, f.omitNull ?? false)
  })
}

const whenLive = (nullWhen: Prisma.Sql[], value: Prisma.Sql) =>
  nullWhen.length === 0 ? value : Prisma.sql`(CASE WHEN ${Prisma.join(nullWhen, ' OR ')} THEN NULL ELSE ${value} END)`

// The spreadsheet-formula guard of src/http/formats.ts (neutralise), and csv-stringify's empty cell for ''.
const neutralised = (v: Prisma.Sql) => Prisma.sql`(CASE WHEN left(${v}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') THEN '''' || ${v} ELSE nullif(${v}, '') END)`

/**
 * The CSV cells of a record in the order of `columns` (flat names; one unknown is an empty cell, as
 * in the JS path), one SQL column each: COPY … WITH (FORMAT csv, HEADER) writes and quotes them.
 */
export function csvSelectSql (fields: ExportField[], columns: string[]) {
  const byName = new Map(flatFields(fields).map((f) => [f.name, f]))
  return Prisma.join(columns.map((name) => {
    const flat = byName.get(name)
    const f = flat?.field
    const cell = !f || f.kind === 'object' ? Prisma.sql`NULL` : f.kind === 'list' ? neutralised(f.flat(';')) : f.kind === 'text' ? neutralised(scalarText(f)) : scalarText(f)
    return Prisma.sql`${whenLive(flat?.nullWhen ?? [], cell)} AS ${Prisma.raw(`"${checkedKey(name)}"`)}`
  }))
}

/**
 * The flattened fields as JSON members (GeoJSON properties): a null nested object is one `"key":null`,
 * arrays are their joined text, and keys of an `omitNull` object are left out when null.
 */
function flatJsonParts (fields: ExportField[], prefix = '', omitNull = false): Prisma.Sql[] {
  return fields.map((f) => {
    const name = prefix ? `${prefix}.${f.key}` : f.key
    if (f.kind === 'object') {
      const lookups = sameLookups(f)
      if (lookups) return lookupCase(lookups, (entry) => entry.map(([key, value]) => `"${checkedKey(`${name}.${key}`)}":${value}`).join(','))
      // An object with no keys left flattens to nothing: nullif makes its part NULL, which concat_ws skips.
      const members = Prisma.sql`nullif(concat_ws(',', ${Prisma.join(flatJsonParts(f.fields, name, f.omitNull ?? false))}), '')`
      return f.nullWhen ? Prisma.sql`(CASE WHEN ${f.nullWhen} THEN ${keyLiteral(name, ':null')} ELSE ${members} END)` : members
    }
    const value = f.kind === 'list' ? Prisma.sql`to_json(${f.flat(';')})::text` : scalarJson(f)
    return omitNull ? Prisma.sql`${keyLiteral(name)} || ${value}` : Prisma.sql`${keyLiteral(name)} || coalesce(${value}, 'null')`
  })
}

/** A GeoJSON Feature of the record: its id, a Point at [lon, lat], every field but `omit` flattened into properties. */
export function featureSql (fields: ExportField[], point: { id: Prisma.Sql, lon: Prisma.Sql, lat: Prisma.Sql, omit: string }) {
  const properties = flatJsonParts(fields.filter((f) => f.key !== point.omit))
  return Prisma.sql`('{"type":"Feature","id":"' || ${point.id}::text || '","geometry":{"type":"Point","coordinates":[' || ${jsNumberSql(point.lon)} || ',' ||
    ${jsNumberSql(point.lat)} || ']},"properties":{' || concat_ws(',', ${Prisma.join(properties)}) || '}}')`
}

export interface ExportShape {
  fields: ExportField[]
  /** CSV columns, in order */
  columns: string[]
  /** GeoJSON: the record's id and point, and the field the point replaces */
  point?: { id: Prisma.Sql, lon: Prisma.Sql, lat: Prisma.Sql, omit: string }
}

/** What the export's query selects per row for a format: the view's JSON, its CSV cells, or its GeoJSON feature. */
export function exportSelect (format: 'ndjson' | 'csv' | 'geojson', shape: ExportShape) {
  if (format === 'csv') return csvSelectSql(shape.fields, shape.columns)
  if (format === 'ndjson') return jsonSql(shape.fields)
  if (!shape.point) throw new Error('this export has no point')
  return featureSql(shape.fields, shape.point)
}

/** The kind of a flat column: a scalar's, or `list` for an array. */
export type ColumnKind = Scalar | 'list'

/** Each flat column of the fields (dotted, as CSV names them) and its kind: the typed columns of Parquet. */
export function columnKinds (fields: ExportField[]): Map<string, ColumnKind> {
  return new Map(flatFields(fields).map(({ name, field }) => [name, field.kind === 'object' ? 'list' : field.kind]))
}

/** The fields that fields= keeps (dotted paths; a nested object with only the keys named), in their declared order. */
function keptFields (fields: ExportField[], paths: string[], prefix = ''): ExportField[] {
  return fields.flatMap((f): ExportField[] => {
    const name = prefix ? `${prefix}.${f.key}` : f.key
    if (paths.includes(name)) return [f]
    if (f.kind !== 'object' || !paths.some((p) => p.startsWith(`${name}.`))) return []
    return [{ ...f, fields: keptFields(f.fields, paths, name) }]
  })
}

/** The export of a fields= projection: only the fields named, CSV columns in the order named. */
export function projectShape (shape: ExportShape, paths: string[] | undefined, columns: string[]): ExportShape {
  if (!paths) return shape
  return { ...shape, fields: keptFields(shape.fields, paths), columns }
}
