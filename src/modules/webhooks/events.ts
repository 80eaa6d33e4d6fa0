import { z } from 'zod'
import { incidentFilterShape, withCrossChecks, type IncidentFilters } from '../incidents/schemas.ts'
import type { FieldError } from '../../http/problems.ts'

export const webhookEntities = ['actor', 'source', 'incident', 'casualtyReport', 'statement'] as const
export const webhookActions = ['created', 'updated', 'deleted'] as const

/** `entity.action`, where either part may be `*`: `incident.created`, `statement.*`, `*.deleted`. */
export const eventPattern = new RegExp(`^(${[...webhookEntities, '\\*'].join('|')})\\.(${[...webhookActions, '\\*'].join('|')})$`)

/** The event type of a change: `incident.created`. */
export const eventTypeOf = (entity: string, action: string) => `${entity}.${action}`

export function matchesEvents (patterns: readonly string[], entity: string, action: string): boolean {
  return patterns.some((p) => {
    const [e, a] = p.split('.')
    return (e === '*' || e === entity) && (a === '*' || a === action)
  })
}

// The filter is the /v1/incidents query without paging, sorting or formats: one schema, so a filter
// a subscription accepts is exactly one the list accepts.
const filterQuery = withCrossChecks(z.strictObject(incidentFilterShape))

/** The incident filters of a subscription's `filter` (`type=airstrike&country=AF`), or the problems with it. */
export function parseIncidentFilter (filter: string): { filters: IncidentFilters } | { errors: FieldError[] } {
  const params = new URLSearchParams(filter.startsWith('?') ? filter.slice(1) : filter)
  const raw: Record<string, string> = {}
  const errors: FieldError[] = []
  for (const [key, value] of params) {
    if (key in raw) errors.push({ in: 'body', path: `filter.${key}`, message: 'given twice; use one comma-separated value' })
    raw[key] = value
  }
  const parsed = filterQuery.safeParse(raw)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.length > 0 ? `filter.${issue.path.join('.')}` : 'filter'
      const message = issue.code === 'unrecognized_keys' ? `unknown incident filter: ${issue.keys.join(', ')}` : issue.message
      errors.push({ in: 'body', path: key, message })
    }
  }
  if (errors.length > 0 || !parsed.success) return { errors }
  return { filters: parsed.data }
}
