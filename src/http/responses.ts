import { z } from 'zod'
import { problemCatalogue, problemSchema } from './problems.ts'

export type Status = 400 | 401 | 403 | 404 | 406 | 408 | 409 | 412 | 413 | 414 | 415 | 429 | 503

const typeByStatus = Object.fromEntries(
  Object.entries(problemCatalogue).map(([type, p]) => [p.status, type])
) as Record<number, string>

/** OpenAPI response entries for the problems an operation can answer with (any of them may answer 414, 429 or 503). */
export function problems (...statuses: Status[]) {
  const all: Status[] = [...new Set<Status>([...statuses, 414, 429, 503])]
  return Object.fromEntries(all.map((status) => [status, {
    description: `${problemCatalogue[typeByStatus[status] as keyof typeof problemCatalogue].title} (/problems/${typeByStatus[status]})`,
    content: { 'application/problem+json': { schema: problemSchema } }
  }])) as Record<Status, { description: string, content: { 'application/problem+json': { schema: typeof problemSchema } } }>
}

export const readProblems = [400, 401, 403] as const
// 408: a body that does not arrive in full within the request timeout.
export const writeProblems = [400, 401, 403, 408, 413, 415] as const

/** 308 for ids that now live elsewhere (merged actors); the Location header names the new URL. */
export const movedResponse = z.undefined().describe('Permanent Redirect: the actor was merged; the Location header gives the same URL with the survivor\'s id')
