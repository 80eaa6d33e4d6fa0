import fc from 'fast-check'
import { spec } from '../helpers/spec.ts'
import { oddText } from './hostile.ts'

// Valid values for the JSON Schemas of the committed spec: the subset the routes emit (objects,
// arrays, strings with pattern/format/length, bounded numbers, enums, anyOf, $ref).
type Schema = Record<string, any>

/** Ids the fuzzer has seen answered 2xx, so generated requests can point at real records. */
export interface IdPool { ids: (kind: string) => string[] }

const resolve = (schema: Schema): Schema =>
  schema.$ref ? resolve(spec.components.schemas[schema.$ref.replace('#/components/schemas/', '')]) : schema

const iso = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2030-12-31T23:59:59Z'), noInvalidDate: true })

// Timestamps the spec's pattern allows at the edges of the calendar, some shifted past them by their offset.
const edgeTimestamps = fc.constantFrom('0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '0000-02-29T00:00:00Z',
  '0001-01-01T00:00:00+00:01', '9999-12-31T23:59:59-00:01', '2024-02-29T23:59:59.123456789+14:00', '1970-01-01T00:00:00-00:00')

/** The id of a seeded record most of the time (so writes get past "unknown id"), else a fresh one. */
export function idArbitrary (pool: IdPool, kind = 'any'): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat().map((i) => { const ids = pool.ids(kind); return ids.length ? ids[i % ids.length] : '00000000-0000-0000-0000-000000000000' }) },
    { weight: 1, arbitrary: fc.uuid({ version: 7 }) }
  )
}

function stringArbitrary (schema: Schema, pool: IdPool, key: string): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return idArbitrary(pool)
  if (schema.format === 'date-time') return fc.oneof({ weight: 9, arbitrary: iso.map((d) => d.toISOString()) }, { weight: 1, arbitrary: edgeTimestamps })
  if (schema.format === 'date') return fc.oneof({ weight: 9, arbitrary: iso.map((d) => d.toISOString().slice(0, 10)) }, { weight: 1, arbitrary: fc.constantFrom('0000-01-01', '0001-01-01', '9999-12-31') })
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? Infinity))
  if (key === 'url') return fc.webUrl({ withQueryParameters: true, withFragments: true })
  const minLength = schema.minLength ?? 0
  const maxLength = Math.min(schema.maxLength ?? 40, 40)
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength: Math.max(minLength, 1), maxLength, unit: 'grapheme' }) },
    { weight: 1, arbitrary: oddText.filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity)) }
  )
}

function numberArbitrary (schema: Schema): fc.Arbitrary<number> {
  const min = schema.minimum ?? schema.exclusiveMinimum ?? -1e6
  const max = Math.min(schema.maximum ?? schema.exclusiveMaximum ?? 1e6, Number.MAX_SAFE_INTEGER)
  const arb = schema.type === 'integer'
    ? fc.oneof(fc.integer({ min, max: Math.min(max, min + 1000) }), fc.integer({ min, max }))
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
  return arb.filter((n) => n !== schema.exclusiveMinimum && n !== schema.exclusiveMaximum)
}

/** An arbitrary producing values the schema accepts (as far as JSON Schema can say). */
export function valid (raw: Schema, pool: IdPool, key = ''): fc.Arbitrary<unknown> {
  const schema = resolve(raw)
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s: Schema) => valid(s, pool, key)))
  if (schema.enum) return fc.constantFrom(...schema.enum)
  if ('const' in schema) return fc.constant(schema.const)
  switch (schema.type) {
    case 'string': return stringArbitrary(schema, pool, key)
    case 'integer':
    case 'number': return numberArbitrary(schema)
    case 'boolean': return fc.boolean()
    case 'null': return fc.constant(null)
    case 'array': {
      const bounds = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 4, 4) }
      // Enum lists (scopes, groups) are sets: repeat-free subsets.
      const items = schema.items ? resolve(schema.items) : {}
      if (items.enum) return fc.subarray(items.enum, { ...bounds, maxLength: Math.min(bounds.maxLength, items.enum.length) })
      return fc.array(valid(items, pool, key), bounds)
    }
    case 'object': {
      const props: Record<string, Schema> = schema.properties ?? {}
      const model = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valid(s, pool, k)]))
      return fc.record(model, { requiredKeys: schema.required ?? [] })
    }
  }
  return fc.jsonValue({ maxDepth: 2 })
}
