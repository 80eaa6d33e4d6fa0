// The yardstick for `npm run bench`: what a hand-written Fastify + pg server does for the
// benchmark's workloads. The same SQL as sitrep and the same JSON (both from bench/raw-sql.ts, the one
// place it imports sitrep), and nothing else: no validation, no auth, no rate limit, no ETag, no
// security headers, no metrics, no log line, no spec.
//
//   DATABASE_URL=… PORT=… tsx bench/raw-server.ts

import Fastify from 'fastify'
import pg from 'pg'
import { cursorOf, incidentExport, incidentPage, incidentStats, oneIncident, statementPage, timelinePage, type Query } from './raw-sql.ts'

// The same pool as sitrep's (src/plugins/database.ts): 10 connections, 15 s statement timeout.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, statement_timeout: 15000 })
const app = Fastify({ logger: false })

const page = <T>(limit: number, data: T[], next: string | null) => ({ data, page: { limit, nextCursor: next } })
const limitOf = (q: Query) => Number(q.limit ?? 50)

app.get('/v1/incidents', async (request, reply) => {
  const q = request.query as Query
  if (q.format === 'ndjson') {
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson' })
    for await (const views of incidentExport(pool, q)) {
      if (!reply.raw.write(views.map((v) => `${JSON.stringify(v)}\n`).join(''))) await new Promise((resolve) => reply.raw.once('drain', resolve))
    }
    reply.raw.end()
    return reply
  }
  const { data, next } = await incidentPage(pool, q)
  return page(limitOf(q), data, next ? cursorOf(next.occurredAt, next.id) : null)
})

app.get('/v1/incidents/:id', async (request, reply) => {
  const view = await oneIncident(pool, (request.params as { id: string }).id)
  return view ?? reply.code(404).send({ status: 404 })
})

app.get('/v1/statements', async (request) => {
  const q = request.query as Query
  const { data, next } = await statementPage(pool, q)
  return page(limitOf(q), data, next ? cursorOf(next.statedAt, next.id) : null)
})

app.get('/v1/timeline', async (request) => {
  const q = request.query as Query
  const { data, next } = await timelinePage(pool, q)
  return page(limitOf(q), data, next ? cursorOf(next.at, next.item.id) : null)
})

app.get('/v1/stats/incidents', async (request) => incidentStats(pool, request.query as Query))

app.get('/readyz', async () => ({ status: 'ok' }))

await app.listen({ port: Number(process.env.PORT ?? 3001), host: '127.0.0.1' })
const stop = () => { app.close().then(() => pool.end()).finally(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
