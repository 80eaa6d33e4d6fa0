/** HTTP caching settings (per API process); src/config.ts reads them from the environment. */
export interface HttpCacheOptions {
  /** seconds a shared cache may serve an anonymous read without asking (Cache-Control max-age) */
  maxAgeSeconds: number
  /** seconds past that it may serve it while it revalidates (stale-while-revalidate) */
  staleWhileRevalidateSeconds: number
  /** memory the response cache may keep, in bytes (keys and bodies); 0 turns it off */
  maxBytes: number
}

// Small ages: a live page's readers see a write within seconds even through a CDN, and the CDN
// still takes all but one request per URL every few seconds off the API.
export const defaultHttpCache: HttpCacheOptions = { maxAgeSeconds: 5, staleWhileRevalidateSeconds: 30, maxBytes: 64 * 1024 * 1024 }

/** Answers at least this large are compressed: below it compression saves less than it costs. */
export const defaultCompressThresholdBytes = 1024
