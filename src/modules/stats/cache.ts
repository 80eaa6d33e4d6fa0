import type pg from 'pg'

const MAX_ENTRIES = 200
const MAX_ROWS = 10_000

/**
 * Group-bys over the whole table cost a second of PostgreSQL per call at a million incidents and
 * change only when the data does. Every write that can move a count goes through the change log,
 * so a result stays good while the log's last seq is the one read before it was computed: one
 * index probe per request decides. The seq is read before the computation, so a write that lands
 * during it only makes the next request compute again, never serves a stale result later.
 * Concurrent identical requests share one computation.
 */
export function changeLogCache<Q, R extends unknown[]> (pool: pg.Pool, compute: (query: Q) => Promise<R>) {
  const entries = new Map<string, { seq: string, result: Promise<R> }>()
  return async (key: string, query: Q): Promise<R> => {
    const { rows: [{ seq }] } = await pool.query<{ seq: string }>('SELECT coalesce(max(seq), 0)::text AS seq FROM changes')
    const hit = entries.get(key)
    if (hit && hit.seq === seq) {
      entries.delete(key)
      entries.set(key, hit) // most recently used last
      return hit.result
    }
    const entry = { seq, result: compute(query) }
    entries.set(key, entry)
    if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!)
    const forget = () => { if (entries.get(key) === entry) entries.delete(key) }
    entry.result.then((rows) => { if (rows.length > MAX_ROWS) forget() }, forget)
    return entry.result
  }
}
