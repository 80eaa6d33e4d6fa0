import fc from 'fast-check'

// Input a careless or hostile client sends: wrong types, extreme numbers, odd Unicode, injection
// strings, huge and deeply nested values. Each must end in a clear 4xx, never a 500.

const oddPieces = [
  '\uD800', '\uDFFF', 'a\uDBFFz', // lone surrogates
  '\u202Eevil\u202C', '\u200F\u05E9\u05DC\u05D5\u05DD', 'مرحبا', // bidi overrides, RTL text
  '\u0000', 'a\u0000b', '\u0007\u001B[31m', // NUL and control characters
  '😀', '👩🏽‍⚕️', '🇦🇫', 'e\u0301', 'ﬁ', 'ｆｕｌｌ', '\u200B', '\uFEFF', '\u00A0', 'İı', 'ß', // emoji, combining, width, case folding
  ' ', '\t\n\r', '\r\nX-Forged: 1', '\n{"level":60,"msg":"forged"}'
]

const injections = [
  "' OR '1'='1", "'; DROP TABLE incidents; --", '" OR ""="', '1; SELECT pg_sleep(10)', '$1', "E'\\x00'",
  '%', '_', '\\', '%_%', '*', '(a+)+$', '.*', '[', '\\d{99999}', '(?<x>', // LIKE and regex metacharacters
  '{"$gt":""}', '__proto__', 'constructor', 'prototype', '{{7*7}}', '<script>alert(1)</script>',
  '${7*7}', // eslint-disable-line no-template-curly-in-string -- a template-injection probe, meant literally
  '=HYPERLINK("http://x")', '+1+1', '-1+1', '@SUM(A1)', '../../etc/passwd', '%00', '%2e%2e%2f',
  '"exact', '-', '-"', 'or', '"" -', '!:*&|', "'", '<->', 'a:*', // web-search syntax edge cases
  'null', 'true', 'NaN', 'Infinity', '-0', '1e309', '0x1F', '١٢٣' // strings that look like other types
]

/** Short odd strings: Unicode edge cases and injection attempts, alone or around normal text. */
export const oddText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...oddPieces, ...injections),
  fc.tuple(fc.constantFrom(...oddPieces, ...injections), fc.string({ maxLength: 8 }), fc.constantFrom(...oddPieces))
    .map(([a, b, c]) => `${a}${b}${c}`),
  fc.string({ unit: 'binary', maxLength: 12 })
)

const hugeNumbers = [0, -1, -0, 1.5, -(2 ** 31), 2 ** 31, 2 ** 53, 2 ** 63, -(2 ** 63), 1e21, 1e308, -1e308, Number.MIN_VALUE]

const nested = (depth: number, leaf: unknown, asObject: boolean): unknown => {
  let v = leaf
  for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v]
  return v
}

/** JSON text nested far deeper than any value the fuzzer can build (and stringify) itself. */
export const deepJsonText = fc.integer({ min: 1000, max: 100_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`)

/** Strings at the length extremes: empty, blank, 100 kB. */
export const extremeText = fc.constantFrom('', ' ', 'x'.repeat(100_000), '\u00e9'.repeat(50_000), '9'.repeat(5000))

/** A JSON value of the wrong shape for almost any field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': '' }),
  fc.constantFrom(...hugeNumbers),
  fc.double(),
  fc.integer(),
  oddText,
  extremeText,
  fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.boolean()).map(([depth, asObject]) => nested(depth, 'deep', asObject)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(JSON.parse('{"__proto__":{"admin":true},"constructor":{"prototype":{"polluted":true}}}'))
)

/** Raw query parameter values: number edge cases, dates out of range, odd text, lists gone wrong. */
export const hostileQueryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '-1', '0', '1.5', '1e309', '9'.repeat(40), '-9007199254740993', 'NaN', 'Infinity', '0x10', ' 1', '1 ',
    'true', 'TRUE', '1', 'yes', ',', ',,', 'a,', ',a', 'null', 'undefined', '[]', '{}',
    '0000-01-01', '9999-12-31T23:59:59-23:59', '0000-01-01T00:00:00+23:59', '2025-02-30', '2025-13-01', '2025-10-09T25:00:00Z',
    '275760-09-13', '-000001-01-01', '2025-10-09T21:30:00.0000000000001Z',
    '181,91,-181,-91', '90,180', '-90,-180', '0,0,0,0', '1,2,3', '1e9,1e9', '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff', 'wikidata:', ':', 'wikidata:Q1:Q2', 'acled:%', '-occurredAt,-id', '--occurredAt'),
  oddText,
  extremeText,
  fc.string({ maxLength: 30 })
)

/** A path segment in place of an id: not a UUID, a UUID of no record, or something stranger. */
export const hostilePathValue: fc.Arbitrary<string> = fc.oneof(
  // not '.' or '..': clients resolve those dot segments before sending
  fc.constantFrom('0', '-1', 'null', 'undefined', '%2e%2e', 'x'.repeat(300), '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff', '0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a5', '0199C9A8-3C1E-7B6A-9D52-1F0C6F2B8A50',
    '{0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a50}', 'urn:uuid:0199c9a8-3c1e-7b6a-9d52-1f0c6f2b8a50'),
  fc.uuid(),
  oddText.filter((s) => s.length > 0),
  fc.string({ minLength: 1, maxLength: 40 })
)

type Json = unknown

const REMOVE = Symbol('remove')

function paths (value: Json, at: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(at)
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out))
  else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => paths(v, [...at, k], out))
  return out
}

function setAt (value: Json, at: Array<string | number>, next: (old: Json, parent: Json) => Json): Json {
  if (at.length === 0) return next(value, undefined)
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) }
  const [head, ...rest] = at
  if (rest.length === 0) {
    const replaced = next(copy[head], copy)
    if (replaced === REMOVE) delete copy[head]
    else copy[head] = replaced
  } else copy[head] = setAt(copy[head], rest, next)
  return copy
}

/** One change that makes a valid value invalid (or at least odd): replace, drop or add a field. */
export function mutate (value: Json): fc.Arbitrary<Json> {
  const where = paths(value)
  return fc.tuple(fc.nat(where.length - 1), fc.constantFrom('replace', 'replace', 'remove', 'unknown-key'), hostileValue, fc.string({ maxLength: 12 }))
    .map(([i, how, evil, key]) => setAt(value, where[i], (old) => {
      if (how === 'remove' && where[i].length > 0) return REMOVE
      if (how === 'unknown-key' && old && typeof old === 'object' && !Array.isArray(old)) return { ...old, [key || 'unknown']: evil }
      return evil
    }))
}
