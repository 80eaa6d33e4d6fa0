import { Problem, type FieldError } from '../../http/problems.ts'
import type { Reference } from '../../db/references.ts'
import type { CreateIncident } from './schemas.ts'

// The write rules of an incident, shared by the single writes (repository.ts) and the import (imports/judge.ts).

/** An incident as written: its countries settled (countriesOf). */
export type IncidentInput = Omit<CreateIncident, 'countryCodes'> & { countryCodes: string[] }

function locationColumns (location: CreateIncident['location']) {
  return {
    locationName: location?.name ?? null,
    locationAdmin1: location?.admin1 ?? null,
    locationCountry: location?.countryCode ?? null,
    lat: location?.lat ?? null,
    lon: location?.lon ?? null,
    locationPrecision: location?.precision ?? null
  }
}

/** Each dataset of `externalIds` and `externalId=`, and the incident's column holding its id there. */
export const incidentExternalColumns = { acled: 'acledEventId', ucdp: 'ucdpGedId', gdelt: 'gdeltEventId' } as const

/** The 409 for a dataset id that another live incident (`id`, `title`) already holds. */
export const externalIdConflict = (clash: { dataset: string, externalId: string, id: string, title: string }) =>
  new Problem('conflict', `The incident "${clash.title}" (id ${clash.id}) already has the ${clash.dataset} id "${clash.externalId}"`,
    { existing: { id: clash.id, title: clash.title } })

/** The dataset ids the incident claims, as `dataset:id` keys (how the import tracks who holds what). */
export const externalIdKeys = (externalIds: CreateIncident['externalIds']) =>
  Object.entries(externalIds).filter(([, id]) => id !== undefined).map(([dataset, id]) => `${dataset}:${id}`)

/** The first rule across fields that the incident breaks, or null. */
export function incidentRuleError (input: IncidentInput): FieldError | null {
  if (input.endedAt !== null && new Date(input.endedAt) < new Date(input.occurredAt)) {
    return { in: 'body', path: 'endedAt', message: 'endedAt must not be before occurredAt' }
  }
  if (input.countryCodes.length === 0) return { in: 'body', path: 'countryCodes', message: 'give countryCodes or a location' }
  return null
}

export const incidentReferences = (input: Pick<IncidentInput, 'actors' | 'sourceIds'>): Reference[] => [
  ...input.actors.map((a, n) => ({ kind: 'actor' as const, id: a.actorId, path: `actors.${n}.actorId` })),
  ...input.sourceIds.map((id, n) => ({ kind: 'source' as const, id, path: `sourceIds.${n}` }))
]

// The location's country always counts among the incident's countries.
export const countriesOf = (given: string[] | undefined, location: CreateIncident['location']) =>
  [...new Set([...(given ?? []), ...(location ? [location.countryCode] : [])])]

/** The incident's own columns (not its links, not the derived roll-up). */
export const incidentColumns = (input: IncidentInput) => ({
  type: input.type,
  title: input.title,
  summary: input.summary,
  status: input.status,
  occurredAt: new Date(input.occurredAt),
  endedAt: input.endedAt ? new Date(input.endedAt) : null,
  datePrecision: input.datePrecision,
  countryCodes: input.countryCodes,
  tags: [...new Set(input.tags)],
  ...locationColumns(input.location),
  acledEventId: input.externalIds.acled ?? null,
  ucdpGedId: input.externalIds.ucdp ?? null,
  gdeltEventId: input.externalIds.gdelt ?? null
})

/** Actor links without repeats, in the order given. */
export const uniqueLinks = (actors: CreateIncident['actors']) =>
  [...new Map(actors.map((a) => [`${a.actorId}/${a.role}`, a])).values()]

/** The rows of the incident's link tables, each list without repeats and numbered in the order given. */
export const incidentLinks = (incidentId: string, input: Pick<IncidentInput, 'actors' | 'sourceIds'>) => ({
  actors: uniqueLinks(input.actors).map((a, position) => ({ incidentId, actorId: a.actorId, role: a.role, position })),
  sources: [...new Set(input.sourceIds)].map((sourceId, position) => ({ incidentId, sourceId, position }))
})
