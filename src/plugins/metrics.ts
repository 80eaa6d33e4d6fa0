import fp from 'fastify-plugin'
import type { Replica } from '../db/replicas.ts'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

declare module 'fastify' {
  interface FastifyInstance {
    /** this app's Prometheus registry (one per app, so several apps in a process never collide) */
    metrics: Registry
  }
}

const labelNames = ['method', 'route', 'status_code'] as const

/**
 * Prometheus metrics: Node's defaults (event-loop lag, heap, GC, CPU), requests by route pattern
 * (never the raw URL, which would make a series per id) and status, and the database pool.
 */
export default fp(async (app) => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered, by method, route pattern and status', labelNames, registers })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by method, route pattern and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers
  })

  const pool = app.pool
  // eslint-disable-next-line no-new -- registered by the constructor, read on each scrape
  new Gauge({
    name: 'db_pool_connections',
    help: 'PostgreSQL pool connections by state (in_use, idle)',
    labelNames: ['state'] as const,
    registers,
    collect () {
      this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount)
      this.set({ state: 'idle' }, pool.idleCount)
    }
  })
  // eslint-disable-next-line no-new -- registered by the constructor, read on each scrape
  new Gauge({
    name: 'db_pool_waiting_requests',
    help: 'queries waiting for a free PostgreSQL pool connection',
    registers,
    collect () { this.set(pool.waitingCount) }
  })

  const replicas = app.replicas
  if (replicas) {
    const routed = new Counter({
      name: 'db_reads_total',
      help: 'GET requests that read the database, by where they read (replica, primary) and why (replica; no-replica usable, behind Sitrep-Min-Seq, failed-over mid-request)',
      labelNames: ['target', 'reason'] as const,
      registers
    })
    replicas.setOnRoute((target, reason) => routed.inc({ target, reason }))
    const each = (name: string, help: string, value: (r: Replica) => number) => new Gauge({
      name,
      help,
      labelNames: ['replica'] as const,
      registers,
      collect () { for (const r of replicas.replicas) this.set({ replica: r.name }, value(r)) }
    })
    each('db_replica_up', 'read replica usable (1), or down or lagging past REPLICA_MAX_LAG_SECONDS (0)', (r) => (r.state === 'up' ? 1 : 0))
    each('db_replica_lag_seconds', 'how long the primary\'s change log has been ahead of the replica\'s, at the last check', (r) => r.lagSeconds)
    each('db_replica_seq', 'the change-log position the replica showed at the last check', (r) => Number(r.seq))
  }

  app.decorate('metrics', registry)

  app.addHook('onResponse', (request, reply, done) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }
    requests.inc(labels)
    duration.observe(labels, reply.elapsedTime / 1000)
    done()
  })
}, { name: 'metrics', dependencies: ['database'] })
