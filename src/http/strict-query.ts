import fp from 'fastify-plugin'
import { z } from 'zod'

/** The query of an operation that takes no parameters: any key is unknown, so a 400. */
export const noQuery = z.strictObject({})

/**
 * Unknown query parameters are a 400 on every operation (a typo must not silently widen a query, and
 * `?debug=x` must not be quietly accepted by a write): a documented route without a querystring
 * schema gets an empty strict one, and one with a querystring that would let unknown keys through
 * fails at start-up. Registered before the routes, whose onRoute this hook sees.
 */
export default fp(async (app) => {
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide) return
    const schema = route.schema ??= {}
    if (schema.querystring === undefined) {
      schema.querystring = noQuery
      return
    }
    const json = z.toJSONSchema(schema.querystring as z.ZodType, { io: 'input', unrepresentable: 'any' }) as { additionalProperties?: unknown }
    if (json.additionalProperties !== false) {
      throw new Error(`${route.method} ${route.url}: its querystring schema must be a z.strictObject, so unknown parameters are a 400`)
    }
  })
}, { name: 'strict-query' })
