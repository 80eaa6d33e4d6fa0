import { Problem } from './problems.ts'

/** One bound on concurrent holders: `bucket` names who holds (a client address, a key), `max` how many at once. */
export interface Claim { bucket: string, max: number, who: string }

/**
 * Counts long-running requests (event streams, streaming exports) held open at once in this
 * process, per client and in total; past a bound, a 429 problem with Retry-After. Nothing is
 * shared between processes: each bound holds per API process.
 */
export function concurrencyLimit (what: string, total: number, retryAfterSeconds: number) {
  const held = new Map<string, number>()
  let all = 0
  const refuse = (detail: string) => new Problem('rate-limited', detail, {}, { 'retry-after': String(retryAfterSeconds) })
  return {
    /** Takes a slot in every bucket, or throws 429; the function returned gives them back (once). */
    acquire (claims: Claim[]): () => void {
      if (all >= total) throw refuse(`This server has ${total} ${what} open, its limit; retry in ${retryAfterSeconds} s`)
      for (const c of claims) {
        if ((held.get(c.bucket) ?? 0) >= c.max) throw refuse(`${c.who} has ${c.max} ${what} open, its limit; close one or retry in ${retryAfterSeconds} s`)
      }
      all++
      for (const c of claims) held.set(c.bucket, (held.get(c.bucket) ?? 0) + 1)
      let released = false
      return () => {
        if (released) return
        released = true
        all--
        for (const c of claims) {
          const n = (held.get(c.bucket) ?? 1) - 1
          if (n === 0) held.delete(c.bucket)
          else held.set(c.bucket, n)
        }
      }
    },
    get size () { return all }
  }
}
