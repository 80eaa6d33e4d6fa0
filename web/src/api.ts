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
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

export async function getJson<T> (path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
  const response = await fetch(apiUrl(path, query), { headers: { accept: 'application/json' }, signal })
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
