// The HTTP ceiling for `npm run bench`: a bare Fastify 5 route answering fixed JSON bytes, no
// database. The bench captures one real answer of sitrep's per workload at start-up (for W1, a
// 50-row page) and the ceiling serves those bytes under /<workload>/…, so its row says what HTTP and
// Fastify alone cost for an answer of that size on this machine.
//
// A process of its own, not a route on the raw server: each server under test is one Node process
// with one event loop and heap of its own, and the ceiling is measured on the same terms.
//
//   CEILING_BODIES=file.json PORT=… tsx bench/ceiling-server.ts   (file: { "W1": "<json text>", … })

import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const bodies = new Map(Object.entries(JSON.parse(readFileSync(process.env.CEILING_BODIES!, 'utf8')) as Record<string, string>)
  .map(([workload, text]) => [workload, Buffer.from(text)]))
const app = Fastify({ logger: false })

app.get('/readyz', async () => ({ status: 'ok' }))

app.get('/:workload/*', (request, reply) => {
  const body = bodies.get((request.params as { workload: string }).workload)
  if (!body) return reply.code(404).send({ status: 404 })
  return reply.type('application/json; charset=utf-8').send(body)
})

await app.listen({ port: Number(process.env.PORT ?? 3002), host: '127.0.0.1' })
const stop = () => { app.close().finally(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
