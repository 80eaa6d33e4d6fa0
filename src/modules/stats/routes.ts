import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { problems, readProblems } from '../../http/responses.ts'
import { validationProblem } from '../../http/problems.ts'
import { createStatsRepository } from './repository.ts'
import { changeLogCache } from './cache.ts'
import { defaultStatsLimits, type StatsLimits } from './limits.ts'
import { incidentStatsQuery, incidentStatsSchema, statsFormats, type IncidentStatsQuery } from './schemas.ts'
import { negotiate, sendExport, streamedContent } from '../../http/formats.ts'

export default async function statsRoutes (app: FastifyInstance, opts: { limits?: Partial<StatsLimits> }) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { maxRows, cacheBytes } = { ...defaultStatsLimits, ...opts.limits }
  const stats = createStatsRepository(app.pool)
  // One row more than the cap tells a result that is too large from one that fits exactly.
  const incidentStats = changeLogCache(app.pool, async (query: IncidentStatsQuery) => {
    const rows = await stats.incidentStats(query, maxRows + 1)
    if (rows.length > maxRows) {
      throw validationProblem([{ in: 'query', path: 'groupBy', message: `the result has more than ${maxRows} rows, the cap: narrow the filters (from, to, country, type …) or group by fewer or coarser dimensions` }])
    }
    return rows
  }, cacheBytes)

  r.get('/v1/stats/incidents', {
    schema: {
      operationId: 'getIncidentStats',
      summary: 'Incident counts, fatalities and contested counts by dimension',
      description: 'Groups the incidents that match every incident filter by one or two dimensions. Each row has its ' +
        'keys, `count`, the sums of the incidents\' fatality roll-ups (incidents without figures add 0) and how many are ' +
        'contested; empty buckets are left out. `day`, `week` (ISO, Monday) and `month` are UTC buckets named by their ' +
        'first day. An incident counts once in each of its countryCodes and once per distinct linked actor, whatever its ' +
        'roles; incidents without actors have no actor row. `country`, `actor` and `actorRole` also restrict those buckets: ' +
        '`groupBy=actor&actorRole=perpetrator` counts per perpetrator. Rows are ordered by the dimensions in the order ' +
        'given: time buckets oldest first; other keys by the incident count of their rows (within the preceding key) ' +
        'descending, then by value (actors by name). ' +
        `At most ${maxRows} rows: a query whose result would have more is a 400 naming the cap (narrow the filters or use coarser dimensions).`,
      tags: ['Stats'],
      querystring: incidentStatsQuery,
      response: {
        200: {
          description: 'The rows as JSON, or as CSV (format=csv or Accept: text/csv) with the same columns flattened (fatalities.low …)',
          content: { 'application/json': { schema: incidentStatsSchema }, ...streamedContent(incidentStatsSchema, statsFormats) }
        },
        ...problems(...readProblems, 406)
      }
    }
  }, async (request, reply) => {
    const { format: explicit, ...query } = request.query
    const format = negotiate(request, statsFormats, explicit)
    // The parsed query, keys in schema order, names the result.
    const data = await incidentStats.get(JSON.stringify(query), query)
    if (format === 'csv') {
      const columns = [...query.groupBy.flatMap((d) => (d === 'actor' ? ['actor.id', 'actor.name'] : [d])), 'count', 'fatalities.low', 'fatalities.best', 'fatalities.high', 'contested']
      return sendExport(reply, 'csv', { rows: async function * () { yield data }, columns, filename: 'incident-stats' })
    }
    return { groupBy: query.groupBy, data }
  })
}
