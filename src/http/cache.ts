import { createHash } from 'node:crypto'

// The pieces of HTTP caching that need no Fastify: the change-log position read, the response
// store, the cache key and ETag comparison. src/plugins/http-cache.ts applies them to the routes.

/**
 * The change log's position as a read that STARTS AFTER the caller asked sees it. At most one read
 * runs at a time; callers that arrive while it runs wait for the next one, which starts when it ends
 * and answers all of them. So a request never takes a position read before it arrived (one that
 * could miss a write committed just before it), and a crowd costs one index probe per round trip
 * instead of one per request.
 */
export function positionReader (read: () => Promise<string>, onRead?: (waiters: number) => void) {
  type Waiter = { resolve: (position: string) => void, reject: (err: unknown) => void }
  let waiting: Waiter[] = []
  let running = false

  function run () {
    const batch = waiting
    waiting = []
    running = true
    onRead?.(batch.length)
    read().then((p) => { for (const w of batch) w.resolve(p) }, (err) => { for (const w of batch) w.reject(err) })
      .finally(() => {
        running = false
        if (waiting.length > 0) run()
      })
  }

  return () => new Promise<string>((resolve, reject) => {
    waiting.push({ resolve, reject })
    if (!running) run()
  })
}

/** A map bounded by the bytes its entries declare, least recently used out first. */
export class ByteLru<V> {
  readonly #entries = new Map<string, { value: V, bytes: number }>()
  #bytes = 0
  constructor (readonly maxBytes: number) {}

  get (key: string): V | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    this.#entries.delete(key)
    this.#entries.set(key, entry) // most recently used last
    return entry.value
  }

  /** Keeps `value` unless it alone is over a quarter of the budget (a few huge answers must not flush all others). */
  set (key: string, value: V, bytes: number): boolean {
    this.delete(key)
    if (bytes > this.maxBytes / 4) return false
    this.#entries.set(key, { value, bytes })
    this.#bytes += bytes
    for (const [k] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break
      this.delete(k)
    }
    return true
  }

  delete (key: string) {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    this.#bytes -= entry.bytes
  }

  usage () { return { entries: this.#entries.size, bytes: this.#bytes } }
}

/** JSON with object keys sorted at every level, so `?a=1&b=2` and `?b=2&a=1` name one answer. */
export function stableJson (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    return Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
  })
}

export interface KeyParts {
  /** the route pattern, /v1/incidents/:id */
  route: string
  params: unknown
  /** the validated query: coerced, defaults applied */
  query: unknown
  /** the format the route will answer in (`format=`, else negotiated from Accept as the route does) */
  format: string
  /** the scopes of the key presented ('' without one): some answers show more to write keys */
  audience: string
}

export const cacheKey = (k: KeyParts) => `${k.route}\n${stableJson(k.params)}\n${stableJson(k.query)}\n${k.format}\n${k.audience}`

/**
 * The ETag of an answer that depends on the whole log, not on one record's version: the position
 * and a hash of the key (the format and audience are in it, so each representation has its own).
 * Weak: the compressed and plain bodies share it, and two answers at one position may differ by a
 * write that committed while one of them was read.
 */
export const positionTag = (position: string, hash: string) => `W/"${position}-${hash}"`

/** The part of a position ETag that names the representation (`keyHash(cacheKey(…))`). */
export const keyHash = (key: string) => createHash('sha1').update(key).digest('base64url').slice(0, 12)

const opaque = (tag: string) => tag.trim().replace(/^W\//, '')

/** If-None-Match's weak comparison (RFC 9110 §13.1.2): `*`, or any listed tag equal to `tag` ignoring W/. */
export function noneMatch (header: string | undefined, tag: string | undefined): boolean {
  if (!header || !tag) return false
  if (header.trim() === '*') return true
  const wanted = opaque(tag)
  return header.split(',').some((t) => opaque(t) === wanted)
}

/** The Vary header with `fields` added to what it already names (CORS may have named Origin). */
export function varyWith (current: string | number | string[] | undefined, fields: string[]): string {
  const have = (current === undefined ? [] : [current].flat().join(',').split(',')).map((f) => f.trim()).filter(Boolean)
  const lower = new Set(have.map((f) => f.toLowerCase()))
  return [...have, ...fields.filter((f) => !lower.has(f.toLowerCase()))].join(', ')
}

/** The encoding to send a stored body in: br, else gzip, when Accept-Encoding allows it (q > 0, or by `*`). */
export function preferredEncoding (header: string | undefined): 'br' | 'gzip' | undefined {
  if (!header) return undefined
  const q = new Map(header.split(',').map((part) => {
    const [name, ...params] = part.split(';').map((p) => p.trim().toLowerCase())
    const given = params.find((p) => p.startsWith('q='))
    return [name, given ? Number(given.slice(2)) : 1] as const
  }))
  const accepts = (encoding: string) => (q.get(encoding) ?? q.get('*') ?? 0) > 0
  return accepts('br') ? 'br' : accepts('gzip') ? 'gzip' : undefined
}
