import type pg from 'pg'
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import { Prisma } from '../generated/prisma/client.ts'
import { rawRows } from '../db/rows.ts'

type Callback = (error: Error | null, result?: { current: number, ttl: number }) => void

// One row per key and window in `rate_limits`: the first request of a window inserts it, the
// next ones count up, and a request after reset_at starts a new window, all in one atomic upsert,
// so every API process on the database sees the same count. The clock is the database's. A named
// statement, the one in src/: it runs on every request, and its plan does not depend on its values.
const increment = (key: string, timeWindow: number, reserve: number) => {
  const sql = Prisma.sql`INSERT INTO rate_limits AS r (key, count, reset_at)
    VALUES (${key}, ${reserve}::int, now() + ${timeWindow}::int * interval '1 millisecond')
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN r.reset_at <= now() THEN excluded.count ELSE r.count + excluded.count END,
      reset_at = CASE WHEN r.reset_at <= now() THEN excluded.reset_at ELSE r.reset_at END
    RETURNING r.count, ceil(extract(epoch FROM r.reset_at - now()) * 1000)::int AS ttl`
  return { name: 'rate-limit-increment', text: sql.text, values: sql.values as unknown[] }
}

/** Numbers of a window this process has reserved but not yet handed out. */
interface Lease { next: number, last: number, resetAt: number }

/**
 * A store for @fastify/rate-limit that keeps its counters in PostgreSQL. Requests for a key that
 * arrive while that key's upsert is in flight are counted together by the next one: a burst from
 * one client costs a few round trips and no queue on its row lock, and every request still counts.
 *
 * For large budgets a process also reserves a block of max/100 counts at a time (a lease) and
 * hands them out without a round trip: at 100k requests per minute that is one upsert per 1,000
 * requests instead of one per request. The counter stays shared: a process can only run out early
 * (by the unused part of its lease, under 1% of the budget), never let more through than the
 * budget. Budgets under 200 a minute reserve one count at a time, i.e. exactly.
 */
export function postgresRateLimitStore (pool: pg.Pool): FastifyRateLimitStoreCtor {
  return class PostgresRateLimitStore implements FastifyRateLimitStore {
    // Keys with an upsert in flight, and the requests waiting for the next one.
    readonly waiting = new Map<string, Callback[]>()
    readonly leases = new Map<string, Lease>()
    // The last count this process was told per key, for reads without a round trip.
    readonly seen = new Map<string, { current: number, resetAt: number }>()
    private calls = 0

    incr (key: string, callback: Callback, timeWindow: number, max?: number) {
      const now = Date.now()
      // Leases of clients that went quiet would pile up: drop the ended ones now and then.
      if (++this.calls % 10_000 === 0) {
        for (const [k, l] of this.leases) if (l.resetAt <= now) this.leases.delete(k)
        for (const [k, s] of this.seen) if (s.resetAt <= now) this.seen.delete(k)
      }
      const lease = this.leases.get(key)
      if (lease && lease.next <= lease.last && now < lease.resetAt) {
        callback(null, { current: lease.next++, ttl: lease.resetAt - now })
        return
      }
      const queue = this.waiting.get(key)
      if (queue) queue.push(callback)
      else this.send(key, [callback], timeWindow, max ?? 0)
    }

    /**
     * The count as this process last saw it, without a round trip (the failed-auth check runs on
     * every request that carries a key): another process's counts are learnt at the next increment.
     */
    read (key: string, callback: Callback) {
      const seen = this.seen.get(key)
      const ttl = seen ? seen.resetAt - Date.now() : 0
      callback(null, ttl > 0 ? { current: seen!.current, ttl } : { current: 0, ttl: 0 })
    }

    child () {
      return this
    }

    private send (key: string, batch: Callback[], timeWindow: number, max: number) {
      this.waiting.set(key, [])
      const reserve = Math.max(batch.length, Math.min(1000, Math.floor(max / 100)))
      pool.query<{ count: number, ttl: number }>(increment(key, timeWindow, reserve))
        .then(({ rows: [row] }) => {
          // In arrival order: the batch takes the first numbers of the block, the rest is leased.
          const ttl = Math.max(0, row.ttl)
          const first = row.count - reserve + 1
          this.seen.set(key, { current: row.count, resetAt: Date.now() + ttl })
          batch.forEach((callback, i) => callback(null, { current: first + i, ttl }))
          if (reserve > batch.length) this.leases.set(key, { next: first + batch.length, last: row.count, resetAt: Date.now() + ttl })
          else this.leases.delete(key)
        }, (err: Error) => batch.forEach((callback) => callback(err)))
        .finally(() => {
          // Those that queued meanwhile are served from the new lease, or batched into the next upsert.
          const queued = this.waiting.get(key) ?? []
          this.waiting.delete(key)
          const lease = this.leases.get(key)
          const served = lease && Date.now() < lease.resetAt ? Math.max(0, Math.min(queued.length, lease.last - lease.next + 1)) : 0
          queued.slice(0, served).forEach((callback) => this.incr(key, callback, timeWindow, max))
          if (queued.length > served) this.send(key, queued.slice(served), timeWindow, max)
        })
    }
  }
}

/** Drops the rows of windows that have ended; any process may run it. */
export async function deleteExpiredRateLimits (pool: pg.Pool) {
  await rawRows(pool, Prisma.sql`DELETE FROM rate_limits WHERE reset_at < now()`)
}
