import type pg from 'pg'
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'

type Callback = (error: Error | null, result?: { current: number, ttl: number }) => void

// One row per key and window in `rate_limits`: the first request of a window inserts it, the
// next ones count up, and a request after reset_at starts a new window, all in one atomic upsert,
// so every API process on the database sees the same count. The clock is the database's.
const increment = {
  name: 'rate-limit-increment',
  text: `INSERT INTO rate_limits AS r (key, count, reset_at)
VALUES ($1, $3::int, now() + $2::int * interval '1 millisecond')
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN r.reset_at <= now() THEN $3::int ELSE r.count + $3::int END,
  reset_at = CASE WHEN r.reset_at <= now() THEN excluded.reset_at ELSE r.reset_at END
RETURNING r.count, ceil(extract(epoch FROM r.reset_at - now()) * 1000)::int AS ttl`
}

/**
 * A store for @fastify/rate-limit that keeps its counters in PostgreSQL. Requests for a key that
 * arrive while that key's upsert is in flight are counted together by the next one: a burst from
 * one client costs a few round trips and no queue on its row lock, and every request still counts.
 */
export function postgresRateLimitStore (pool: pg.Pool): FastifyRateLimitStoreCtor {
  return class PostgresRateLimitStore implements FastifyRateLimitStore {
    // Keys with an upsert in flight, and the requests waiting for the next one.
    readonly waiting = new Map<string, Callback[]>()

    incr (key: string, callback: Callback, timeWindow: number) {
      const queue = this.waiting.get(key)
      if (queue) queue.push(callback)
      else this.send(key, [callback], timeWindow)
    }

    child () {
      return this
    }

    private send (key: string, batch: Callback[], timeWindow: number) {
      this.waiting.set(key, [])
      pool.query<{ count: number, ttl: number }>({ ...increment, values: [key, timeWindow, batch.length] })
        .then(({ rows: [row] }) => {
          // In arrival order: the last request of the batch is the row's count.
          const ttl = Math.max(0, row.ttl)
          batch.forEach((callback, i) => callback(null, { current: row.count - (batch.length - 1 - i), ttl }))
        }, (err: Error) => batch.forEach((callback) => callback(err)))
        .finally(() => {
          const next = this.waiting.get(key) ?? []
          if (next.length > 0) this.send(key, next, timeWindow)
          else this.waiting.delete(key)
        })
    }
  }
}

/** Drops the rows of windows that have ended; any process may run it. */
export async function deleteExpiredRateLimits (pool: pg.Pool) {
  await pool.query('DELETE FROM rate_limits WHERE reset_at < now()')
}
