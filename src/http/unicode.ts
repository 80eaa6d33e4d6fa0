import fp from 'fastify-plugin'
import { validationProblem, type FieldError } from './problems.ts'

// PostgreSQL text cannot hold U+0000, and Prisma refuses lone UTF-16 surrogates inside arrays and
// JSON: such input would only fail later, in the database, as a 500. It is refused up front instead.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Why a string cannot be stored as text, or null when it can. */
export function unstorable (s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain the NUL character (U+0000)'
  if (loneSurrogate.test(s)) return 'must be valid Unicode (it holds a lone UTF-16 surrogate)'
  return null
}

interface Step { node: unknown, key: string, parent: Step | null }

const pathOf = (step: Step) => {
  const keys: string[] = []
  for (let s: Step | null = step; s?.parent; s = s.parent) keys.push(s.key)
  return keys.reverse().join('.')
}

/**
 * The first string (or key) in a value that cannot be stored, with its dotted path. Iterative and
 * linear, because a hostile body may nest a hundred thousand levels deep.
 */
export function findUnstorable (value: unknown): { path: string, message: string } | null {
  const stack: Step[] = [{ node: value, key: '', parent: null }]
  while (stack.length > 0) {
    const step = stack.pop()!
    if (typeof step.node === 'string') {
      const message = unstorable(step.node)
      if (message) return { path: pathOf(step), message }
    } else if (step.node !== null && typeof step.node === 'object') {
      for (const [key, node] of Object.entries(step.node)) {
        const child = { node, key, parent: step }
        const message = unstorable(key)
        if (message) return { path: pathOf(child), message }
        stack.push(child)
      }
    }
  }
  return null
}

export default fp(async (app) => {
  // With `done`: it never waits, so a request is not charged a promise for it.
  app.addHook('preValidation', (request, _reply, done) => {
    // Only the parts a route validates (and so reads); others are ignored anyway.
    const schema = request.routeOptions.schema ?? {}
    const parts: Array<[FieldError['in'], unknown, unknown]> = [
      ['path', schema.params, request.params], ['query', schema.querystring, request.query], ['body', schema.body, request.body]
    ]
    for (const [where, declared, value] of parts) {
      if (!declared) continue
      const found = findUnstorable(value)
      if (found) return done(validationProblem([{ in: where, ...found }]))
    }
    done()
  })
}, { name: 'unicode-guard' })
