import type { Actor, Problem } from './types.ts'

/** A non-2xx answer, carrying the API's problem details (RFC 9457). */
export class ApiError extends Error {
  constructor (readonly status: number, readonly problem: Problem | null) {
    super(problem?.detail ?? problem?.title ?? `HTTP ${status}`)
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>

/** `path?query`, leaving out empty values (the API rejects empty filters rather than ignoring them). */
export function apiUrl (path: string, query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
  }
  const qs = params.toString().replace(/%2C/gi, ',')
  return qs ? `${path}?${qs}` : path
}

// Requests started before the page rendered (src/prefetch.ts), taken once by the first caller.
const early = new Map<string, Promise<unknown>>()

/** Starts a read now, for the component that will ask for exactly this URL when it mounts. */
export function prefetch (path: string, query: Query = {}): void {
  const url = apiUrl(path, query)
  const started = getJson(path, query)
  started.catch(() => {})
  early.set(url, started)
}

export async function getJson<T> (path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  const url = apiUrl(path, query)
  const started = early.get(url)
  if (started) {
    early.delete(url)
    return await (started as Promise<T>)
  }
  // The API lets caches keep anonymous reads for a few seconds; a live page must not see an answer
  // older than the change it was told about, so it always revalidates (a 304 when nothing changed).
  const response = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-cache', signal })
  if (!response.ok) {
    const problem = await response.json().catch(() => null) as Problem | null
    throw new ApiError(response.status, problem)
  }
  return await response.json() as T
}

// Statements name their speaker by id; the pages show names. One read per actor, shared by every
// component that asks while it runs and kept for the life of the page.
const actors = new Map<string, Promise<Actor | null>>()

export function actorById (id: string): Promise<Actor | null> {
  let found = actors.get(id)
  if (!found) {
    found = getJson<Actor>(`/v1/actors/${id}`).catch(() => null)
    actors.set(id, found)
  }
  return found
}

export function rememberActor (actor: Actor): void {
  if (!actors.has(actor.id)) actors.set(actor.id, Promise.resolve(actor))
}
