import { STATUS_CODES } from 'node:http'

type Doc = Record<string, any>

const refsIn = (node: unknown, found: Set<string>) => {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, found))
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') found.add(v.replace('#/components/schemas/', ''))
      else refsIn(v, found)
    }
  }
}

function renameRefs (node: unknown, from: string, to: string) {
  if (Array.isArray(node)) node.forEach((n) => renameRefs(n, from, to))
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === '$ref' && v === `#/components/schemas/${from}`) (node as Record<string, unknown>)[k] = `#/components/schemas/${to}`
      else renameRefs(v, from, to)
    }
  }
}

// Every operation that answers 304 is a cacheable read (src/plugins/http-cache.ts): its 200 and
// 304 carry these.
const cacheHeaders = {
  ETag: {
    description: 'the answer\'s validator, for If-None-Match: the record\'s version ("7", or "7.<hash>" with include=) for one record, else W/"<change-log position>-<hash>"',
    schema: { type: 'string' }
  },
  'Cache-Control': {
    description: 'public, max-age, stale-while-revalidate for reads without a key; private, no-cache when a key was sent or reads need one',
    schema: { type: 'string' }
  },
  Vary: { description: 'Accept, Authorization, accept-encoding (and Origin with CORS)', schema: { type: 'string' } }
}

/**
 * Post-processes the generated document: the zod transform emits every registered schema twice
 * (output and `…Input`); keep only those the operations use, under their plain names. It also gives
 * responses real descriptions and states each operation's security the way the auth hook applies it,
 * and the caching headers of the cacheable reads.
 */
export function tidyOpenApi (doc: Doc): Doc {
  const schemas: Record<string, unknown> = doc.components?.schemas ?? {}
  const used = new Set<string>()
  refsIn(doc.paths, used)
  for (let grew = true; grew;) {
    const before = used.size
    for (const name of [...used]) refsIn(schemas[name], used)
    grew = used.size > before
  }
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name]
  for (const name of Object.keys(schemas)) {
    const plain = name.replace(/Input$/, '')
    if (plain !== name && !(plain in schemas)) {
      schemas[plain] = schemas[name]
      delete schemas[name]
      renameRefs(doc, name, plain)
    }
  }

  for (const [path, ops] of Object.entries<Record<string, Doc>>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      for (const [status, response] of Object.entries<Doc>(op.responses ?? {})) {
        if (response.description === 'Default Response') response.description = STATUS_CODES[Number(status)] ?? 'Response'
        if ((status === '200' || status === '304') && op.responses['304']) response.headers = { ...response.headers, ...cacheHeaders }
      }
      op.security ??= path.startsWith('/v1') ? [{}, { bearerAuth: [] }] : []
      if (method === 'post' && path.startsWith('/v1')) {
        op.parameters = [...(op.parameters ?? []), {
          in: 'header',
          name: 'Idempotency-Key',
          required: false,
          schema: { type: 'string', minLength: 1, maxLength: 255 },
          description: 'Retry-safe POST: the same key and body within 24 h replay the first response (with Idempotent-Replayed: true); the same key with another body is a 409.'
        }]
        op.responses['409'] ??= {
          description: 'Conflict (/problems/conflict): the Idempotency-Key was used with another body, or its first request is still running',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }
        }
      }
    }
  }
  return doc
}
