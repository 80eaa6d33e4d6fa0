import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { problems, readProblems } from '../../http/responses.ts'
import { validationProblem } from '../../http/problems.ts'
import { createStatsRepository } from './repository.ts'
import { changeLogCache } from './cache.ts'
import { defaultStatsLimits, type StatsLimits } from './limits.ts'
import { incidentStatsQuery, incidentStatsSchema, statsFormats, type IncidentStatsQuery } from './schemas.ts'
import { negotiate, sendExport, streamedContent, type Format } from '../../http/formats.ts'
import { casualtyStats } from './casualty-repository.ts'
import { snapshotOf } from '../../http/snapshot.ts'
import { casualtyStatsQuery, casualtyStatsSchema, type CasualtyStatsQuery } from './casualty-schemas.ts'
import { statementStats } from './statement-repository.ts'
import { statementStatsQuery, statementStatsSchema, type StatementStatsQuery } from './statement-schemas.ts'

/** The 200 of a stats route: its rows as JSON, or flattened as CSV. */
const statsResponse = (schema: z.ZodType, flattened: string) => ({
  200: {
    description: `The rows as JSON, or as CSV (format=csv or Accept: text/csv) with the same columns flattened (${flattened} …)`,
    content: { 'application/json': { schema }, ...streamedContent(schema, statsFormats) }
  },
  ...problems(...readProblems, 406)
})

/** The rows of a stats query from its cache, as JSON or CSV; the parsed query, keys in schema order, names the result. */
async function answer<Q extends { groupBy: string[] }, Row extends object> (request: FastifyRequest, reply: FastifyReply,
  query: Q, explicit: Format | undefined, cache: { get: (key: string, q: Q) => Promise<Row[]> }, columns: string[], filename: string) {
  const format = negotiate(request, statsFormats, explicit)
  const data = await cache.get(JSON.stringify(query), query)
  if (format === 'csv') return sendExport(reply, 'csv', { rows: async function * () { yield data }, columns, filename })
  return { groupBy: query.groupBy, data }
}

export default async function statsRoutes (app: FastifyInstance, opts: { limits?: Partial<StatsLimits> }) {
  const r = app.withTypeProvider<ZodTypeProvider>()
  const { maxRows, cacheBytes } = { ...defaultStatsLimits, ...opts.limits }
  const stats = createStatsRepository(app.pool)
  /**
   * A stats query behind the change-log cache and the row cap: one row more than the cap tells a
   * result that is too large from one that fits exactly. `filters` names some that narrow it.
   */
  function capped<Q, Row> (count: (query: Q, limit: number) => Promise<Row[]>, filters: string) {
    return changeLogCache(app.pool, async (query: Q) => {
      const rows = await count(query, maxRows + 1)
      if (rows.length > maxRows) {
        throw validationProblem([{ in: 'query', path: 'groupBy', message: `the result has more than ${maxRows} rows, the cap: narrow the filters (${filters} …) or group by fewer or coarser dimensions` }])
      }
      return rows
    }, cacheBytes)
  }
  // asOf arrives resolved to a position (`seq:N`), so the cache names a snapshot's answer by the position it reads.
  const incidentStats = capped((query: IncidentStatsQuery, limit) =>
    stats.incidentStats(query, limit, query.asOf && 'seq' in query.asOf ? query.asOf.seq : undefined), 'from, to, country, type')

  r.get('/v1/stats/incidents', {
    schema: {
      operationId: 'getIncidentStats',
      summary: 'Incident counts, fatalities and contested counts by dimension',
      description: 'Groups the incidents that match every incident filter by one or two dimensions. Each row has its ' +
        'keys, `count`, the sums of the incidents\' fatality roll-ups (incidents without figures add 0) and how many are ' +
        'contested; empty buckets are left out. `day`, `week` (ISO, Monday) and `month` are UTC buckets named by their ' +
        'first day. An incident counts once in each of its countryCodes and once per distinct linked actor, whatever its ' +
        'roles; incidents without actors have no actor row. `admin1` is the location\'s first-level division as recorded (null for ' +
        'incidents without one). `country`, `actor` and `actorRole` also restrict those buckets: ' +
        '`groupBy=actor&actorRole=perpetrator` counts per perpetrator. Rows are ordered by the dimensions in the order ' +
        'given: time buckets oldest first; other keys by the incident count of their rows (within the preceding key) ' +
        'descending, then by value (actors by name). ' +
        `At most ${maxRows} rows: a query whose result would have more is a 400 naming the cap (narrow the filters or use coarser dimensions).`,
      tags: ['Stats'],
      querystring: incidentStatsQuery,
      response: statsResponse(incidentStatsSchema, 'fatalities.low')
    }
  }, async (request, reply) => {
    const { format, asOf: _asOf, ...filters } = request.query
    const snapshot = await snapshotOf(request)
    const query = { ...filters, ...(snapshot ? { asOf: { seq: snapshot.seq } } : {}) }
    const columns = [...query.groupBy.flatMap((d) => (d === 'actor' ? ['actor.id', 'actor.name'] : [d])), 'count', 'fatalities.low', 'fatalities.best', 'fatalities.high', 'contested']
    return answer(request, reply, query, format, incidentStats, columns, 'incident-stats')
  })

  const casualtyCounts = capped((query: CasualtyStatsQuery, limit) => casualtyStats(app.pool, query, limit), 'from, to, country, category')

  r.get('/v1/stats/casualties', {
    schema: {
      operationId: 'getCasualtyStats',
      summary: 'Casualty report counts and figure sums by dimension',
      description: 'Groups the live casualty reports that match every casualty-ledger filter (as GET /v1/casualties) by one or two ' +
        'dimensions. Each row has its keys, `count` (reports), `min` (the sum of their min) and `max` (the sum of their upper bounds: ' +
        '`max`, or `min` for an `exact` figure; null when any report in the bucket has no upper bound — at_least, approximately, ' +
        'unquantified — since a sum with an unknown term is unknown). Figures of different categories or reporters are not ' +
        'comparable counts of people: group by category (and reportedBy) to read sums that mean something. `reportedBy` and ' +
        '`affectedActor` are `{ id, name }`, or null for the reports that name none. `country` and `month` are the incident\'s ' +
        '(a report counts once in each of its incident\'s countries; a `country` filter also restricts those buckets); `month` is a ' +
        'UTC bucket named by its first day. Rows are ordered by the dimensions in the order given: months oldest first; other keys ' +
        'by the report count of their rows (within the preceding key) descending, then by value (actors by name, null last). ' +
        `At most ${maxRows} rows: a query whose result would have more is a 400 naming the cap.`,
      tags: ['Stats'],
      querystring: casualtyStatsQuery,
      response: statsResponse(casualtyStatsSchema, 'reportedBy.id')
    }
  }, async (request, reply) => {
    const { format, asOf: _asOf, ...filters } = request.query
    const snapshot = await snapshotOf(request)
    const query = { ...filters, ...(snapshot ? { asOf: { seq: snapshot.seq } } : {}) }
    const actorColumns = (d: string) => (d === 'reportedBy' || d === 'affectedActor' ? [`${d}.id`, `${d}.name`] : [d])
    const columns = [...query.groupBy.flatMap(actorColumns), 'count', 'min', 'max']
    return answer(request, reply, query, format, casualtyCounts, columns, 'casualty-stats')
  })

  const statementCounts = capped((query: StatementStatsQuery, limit) => statementStats(app.pool, query, limit), 'from, to, speaker, kind')

  r.get('/v1/stats/statements', {
    schema: {
      operationId: 'getStatementStats',
      summary: 'Statement counts by speaker, kind, month or incident',
      description: 'Groups the live statements that match every statement filter (as GET /v1/statements) by one or two dimensions. ' +
        'Each row has its keys, `count` and `withQuote` (how many carry a verbatim quote); empty buckets are left out. `speaker` is ' +
        '`{ id, name }`; `incident` is `{ id, title }`: a statement counts once in each live incident it is linked to, and those ' +
        'linked to none form the `null` bucket (an `incident` filter also restricts these buckets). `month` is a UTC bucket of ' +
        '`statedAt` named by its first day. Rows are ordered by the dimensions in the order given: months oldest first; other keys ' +
        'by the statement count of their rows (within the preceding key) descending, then by value (speakers by name, incidents by title, null last). ' +
        `At most ${maxRows} rows: a query whose result would have more is a 400 naming the cap.`,
      tags: ['Stats'],
      querystring: statementStatsQuery,
      response: statsResponse(statementStatsSchema, 'speaker.id')
    }
  }, async (request, reply) => {
    const { format, ...query } = request.query
    const keyColumns = (d: string) => (d === 'speaker' ? ['speaker.id', 'speaker.name'] : d === 'incident' ? ['incident.id', 'incident.title'] : [d])
    const columns = [...query.groupBy.flatMap(keyColumns), 'count', 'withQuote']
    return answer(request, reply, query, format, statementCounts, columns, 'statement-stats')
  })
}
