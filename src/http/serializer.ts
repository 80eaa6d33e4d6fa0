import fastJson from 'fast-json-stringify'
import { z } from 'zod'

type Json = Record<string, unknown>

const isNull = (s: unknown) => (s as Json)?.type === 'null' && Object.keys(s as Json).length === 1

/** The property that tells the branches of a tagged union apart: the one every branch fixes with a const. */
function tagOf (branches: Json[]): string | undefined {
  const first = branches[0]?.properties as Record<string, Json> | undefined
  if (!first) return undefined
  return Object.keys(first).find((key) => branches.every((b) => (b.properties as Record<string, Json> | undefined)?.[key]?.const !== undefined))
}

/**
 * fast-json-stringify picks an anyOf/oneOf branch by validating the value against each branch in
 * turn, for every value written. The two unions our schemas have are cheaper to decide:
 * "X or null" by the null, a tagged union by its tag. Both become if/then/else.
 */
function simplify (node: unknown, definitions: Record<string, Json>): unknown {
  if (Array.isArray(node)) return node.map((n) => simplify(n, definitions))
  if (node === null || typeof node !== 'object') return node
  const out: Json = {}
  for (const [k, v] of Object.entries(node)) out[k] = simplify(v, definitions)
  const branches = (out.anyOf ?? out.oneOf) as Json[] | undefined
  if (!branches) return out
  const { anyOf: _a, oneOf: _o, ...rest } = out
  if (branches.length === 2 && branches.some(isNull)) {
    // "X or null" as a type list, which fast-json-stringify checks with typeof.
    let other = branches.find((b) => !isNull(b))!
    if (typeof other.$ref === 'string') other = definitions[other.$ref.replace('#/definitions/', '')] ?? other
    if (typeof other.type === 'string') return { ...rest, ...other, type: [other.type, 'null'] }
    return { ...rest, if: { type: 'null' }, then: { type: 'null' }, else: other }
  }
  const tag = tagOf(branches)
  if (tag === undefined) return out
  return branches.reduceRight<Json | undefined>((otherwise, branch) => ({
    if: { type: 'object', properties: { [tag]: { const: (branch.properties as Record<string, Json>)[tag].const } }, required: [tag] },
    then: branch,
    ...(otherwise ? { else: otherwise } : {})
  }), undefined) as Json
}

export function responseJsonSchema (schema: z.ZodType) {
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-7' }) as Json
  const definitions = (json.definitions ?? {}) as Record<string, Json>
  return simplify(json, simplify(definitions, definitions) as Record<string, Json>) as Json
}

/**
 * Responses are written by fast-json-stringify, compiled once per route and status from the JSON
 * Schema of the route's zod response schema, the one the OpenAPI document shows. Validating every
 * response with zod before JSON.stringify cost more than the query on list pages; the tests check
 * responses against the published spec instead. Undeclared properties are left out, as zod did.
 * A fields= projection (src/http/fields.ts) is written by JSON.stringify instead.
 */
export const serializerCompiler = ({ schema }: { schema: unknown }) => {
  if (!(schema instanceof z.ZodType)) return (data: unknown) => JSON.stringify(data)
  return fastJson(responseJsonSchema(schema) as unknown as Parameters<typeof fastJson>[0])
}
