import type { FastifyReply } from 'fastify'
import { z } from 'zod'
import { pageOf } from './list.ts'

// fields=: a record answered with only the fields named, as dotted paths (`id,type,fatalities.best`).
// A path names a field of the record or of an object nested in it; arrays are taken whole.

type Shape = Record<string, z.ZodType>

function unwrap (s: z.ZodType): z.ZodType {
  if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) return unwrap(s.unwrap() as z.ZodType)
  return s
}

/** Every path fields= can name in a view: its keys, and the keys of its nested objects, dotted. */
export function fieldPaths (view: z.ZodObject, prefix = ''): string[] {
  return Object.entries(view.shape as Shape).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key
    const inner = unwrap(value)
    return inner instanceof z.ZodObject ? [path, ...fieldPaths(inner, path)] : [path]
  })
}

/** The view with every field optional, nested objects too: what a projection of it may hold. */
function partialOf (s: z.ZodType): z.ZodType {
  if (s instanceof z.ZodOptional) return partialOf(s.unwrap() as z.ZodType)
  if (s instanceof z.ZodNullable) return partialOf(s.unwrap() as z.ZodType).nullable()
  if (s instanceof z.ZodObject) {
    return z.object(Object.fromEntries(Object.entries(s.shape as Shape).map(([k, v]) => [k, partialOf(v).optional()])))
  }
  return s
}

/** The `fields` query parameter of a view: known paths, and a 400 that names each unknown one. */
export function fieldsParam (paths: readonly string[]) {
  const known = new Set(paths)
  return z.string().max(4000)
    .transform((s, ctx) => {
      const asked = s.split(',').map((f) => f.trim())
      const unknown = asked.filter((f) => !known.has(f))
      if (unknown.length > 0) {
        ctx.issues.push({
          code: 'custom',
          input: s,
          message: `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `"${f}"`).join(', ')}; known fields: ${paths.join(', ')}`
        })
        return z.NEVER
      }
      return [...new Set(asked)]
    })
    .optional()
    .describe('only these fields, comma-separated dotted paths (`id,type,fatalities.best`); nested objects keep their nesting, ' +
      `arrays are taken whole; CSV and Parquet columns follow the order given. Known fields: ${paths.join(', ')}`)
}

/**
 * The media type of a JSON answer with fields=: JSON whose records hold only the fields named. Its own
 * type lets the spec say so without making every record's fields optional for the typed clients
 * that never ask for a projection (they read application/json, which always holds whole records).
 */
export const fieldsMediaType = 'application/vnd.sitrep.fields+json'

/** What fields= needs of one view: its paths, the parameter, and the schemas of its answers. */
export function projectionOf (view: z.ZodObject, id: string) {
  const paths = fieldPaths(view)
  const partial = partialOf(view).meta({ id: `${id}Fields`, description: `${id} with fields=: only the fields named, nested objects with only their fields named` })
  return {
    paths,
    param: fieldsParam(paths),
    /** the 200 of a single read: the record, or its projection */
    record: (description: string, full: z.ZodType) => ({ description, content: { 'application/json': { schema: full }, [fieldsMediaType]: { schema: partial } } }),
    /** a page of projections */
    page: pageOf(partial),
    /** a line of an NDJSON export: the record, or its projection */
    item: z.union([view, partial])
  }
}

/** Sends a projection: with its own media type, and by JSON.stringify, since the route's compiled serializer requires every field. */
export const sendProjected = (reply: FastifyReply, body: object) =>
  reply.type(`${fieldsMediaType}; charset=utf-8`).serializer(JSON.stringify).send(body)

type Tree = { [key: string]: Tree | true }

function treeOf (paths: string[]): Tree {
  const tree: Tree = {}
  for (const path of paths) {
    let node = tree
    const keys = path.split('.')
    for (const [n, key] of keys.entries()) {
      if (node[key] === true) break
      if (n === keys.length - 1) node[key] = true
      else node = (node[key] ??= {}) as Tree
    }
  }
  return tree
}

function pick (value: Record<string, unknown>, tree: Tree): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    const sub = tree[key]
    if (sub === undefined) continue
    out[key] = sub === true || v === null || typeof v !== 'object' || Array.isArray(v) ? v : pick(v as Record<string, unknown>, sub)
  }
  return out
}

/** A projector for these paths: the view's own key order, a null nested object stays null. */
export function projector (paths: string[]) {
  const tree = treeOf(paths)
  return <T extends object>(view: T) => pick(view as Record<string, unknown>, tree)
}

/** The flat columns (CSV, Parquet) of the paths, in their order, out of a view's flat columns. */
export function columnsFor (paths: string[] | undefined, columns: string[]): string[] {
  if (!paths) return columns
  const out = new Set<string>()
  for (const path of paths) {
    for (const c of columns) if (c === path || c.startsWith(`${path}.`)) out.add(c)
  }
  return [...out]
}
