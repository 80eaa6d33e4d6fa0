import type pg from 'pg'
import { readPosition } from '../../db/position.ts'

/**
 * Group-bys over the whole table cost a second of PostgreSQL per call at a million incidents and
 * change only when the data does. Every write that can move a count goes through the change log,
 * so a result stays good while the log's last seq is the one read before it was computed: one
 * index probe per request decides. The seq is read before the computation, so a write that lands
 * during it only makes the next request compute again, never serves a stale result later.
 * Concurrent identical requests share one computation.
 *
 * The cache is bounded in bytes (a result's size as JSON, plus its key), least recently used out
 * first: a count of entries would let a few large results (10,000 rows each) take any amount of memory.
 * A result larger than a quarter of the budget is served but not kept.
 */
export function changeLogCache<Q, R extends unknown[]> (pool: pg.Pool, compute: (query: Q) => Promise<R>, maxBytes: number) {
  interface Entry { seq: string, result: Promise<R>, bytes: number }
  const entries = new Map<string, Entry>()
  let bytes = 0

  const forget = (key: string, entry: Entry) => {
    if (entries.get(key) !== entry) return
    entries.delete(key)
    bytes -= entry.bytes
  }

  function keep (key: string, entry: Entry, rows: R) {
    if (entries.get(key) !== entry) return
    const size = Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(rows))
    if (size > maxBytes / 4) return forget(key, entry)
    entry.bytes = size
    bytes += size
    for (const [k, e] of entries) {
      if (bytes <= maxBytes) break
      forget(k, e)
    }
  }

  return {
    async get (key: string, query: Q): Promise<R> {
      const seq = await readPosition(pool)
      const hit = entries.get(key)
      if (hit && hit.seq === seq) {
        entries.delete(key)
        entries.set(key, hit) // most recently used last
        return hit.result
      }
      if (hit) forget(key, hit)
      const entry: Entry = { seq, result: compute(query), bytes: 0 }
      entries.set(key, entry)
      entry.result.then((rows) => keep(key, entry, rows), () => forget(key, entry))
      return entry.result
    },

    /** What the cache holds now. */
    usage: () => ({ entries: entries.size, bytes })
  }
}
