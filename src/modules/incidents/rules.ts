import { uuidv7 } from 'uuidv7'
import { Problem, type FieldError } from '../../http/problems.ts'
import type { Reference } from '../../db/references.ts'
import type { CreateIncident } from './schemas.ts'

// The write rules of an incident, shared by the single writes (repository.ts) and the import (imports/judge.ts).

/** An incident as written: its countries settled (countriesOf). */
export type IncidentInput = Omit<CreateIncident, 'countryCodes'> & { countryCodes: string[] }

/** What an incident links to; relations may be left out (none). */
export type IncidentLinkInput = Pick<IncidentInput, 'actors' | 'sourceIds'> & { relations?: IncidentInput['relations'] }

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

type Role = CreateIncident['actors'][number]

/** The actor who asserts the role as stored: a claim is asserted by the actor itself when the body leaves it out. */
export const asserterOf = (role: Pick<Role, 'actorId' | 'attribution' | 'assertedById'>) =>
  role.attribution === 'claimed' && role.assertedById === null ? role.actorId : role.assertedById

const roleKey = (role: Role) => `${role.actorId}/${role.role}/${asserterOf(role) ?? ''}`

/**
 * The first role that breaks the attribution rules, or null: confirmed has no asserter, alleged needs
 * one, claimed is asserted by the actor itself; (actor, role, asserter) appears once.
 */
export function roleRuleError (actors: Role[]): FieldError | null {
  const seen = new Set<string>()
  for (const [n, a] of actors.entries()) {
    const at = (field: string, message: string): FieldError => ({ in: 'body', path: `actors.${n}${field}`, message })
    if (a.attribution === 'confirmed' && a.assertedById !== null) return at('.assertedById', 'a confirmed role has no assertedById (give attribution alleged or claimed)')
    if (a.attribution === 'alleged' && a.assertedById === null) return at('.assertedById', 'an alleged role needs assertedById: the actor who alleges it')
    if (a.attribution === 'claimed' && a.assertedById !== null && a.assertedById !== a.actorId) {
      return at('.assertedById', 'a claimed role is asserted by the actor itself: leave assertedById out or give actorId')
    }
    if (seen.has(roleKey(a))) return at('', 'the same actor, role and assertedById are given twice')
    seen.add(roleKey(a))
  }
  return null
}

/** The statements the roles cite: each gets linked to the incident when it is not. */
export const roleStatementIds = (actors: Role[]) => [...new Set(actors.flatMap((a) => a.statementIds))]

/** A live denial linked to an incident: who spoke it and what it answers. */
export interface LinkedDenial { speakerId: string, respondsToId: string | null }

/** Whether a role is disputed: a live denial linked to its incident is spoken by its actor, or answers one of its statements. */
export const isDisputed = (role: { actorId: string, statementIds: string[] }, denials: LinkedDenial[]) =>
  denials.some((d) => d.speakerId === role.actorId || (d.respondsToId !== null && role.statementIds.includes(d.respondsToId)))

export const incidentReferences = (input: IncidentLinkInput): Reference[] => [
  ...input.actors.flatMap((a, n) => [
    { kind: 'actor' as const, id: a.actorId, path: `actors.${n}.actorId` },
    ...(a.assertedById ? [{ kind: 'actor' as const, id: a.assertedById, path: `actors.${n}.assertedById` }] : []),
    ...a.statementIds.map((id, m) => ({ kind: 'statement' as const, id, path: `actors.${n}.statementIds.${m}` }))
  ]),
  ...input.sourceIds.map((id, n) => ({ kind: 'source' as const, id, path: `sourceIds.${n}` })),
  ...relationReferences(input.relations ?? [])
]

type Relation = CreateIncident['relations'][number]

/** What the relations name: the other incidents (live), the asserting actors, the statements. */
export const relationReferences = (relations: Relation[]): Reference[] => relations.flatMap((r, n) => [
  { kind: 'incident' as const, id: r.incidentId, path: `relations.${n}.incidentId` },
  ...(r.assertedById ? [{ kind: 'actor' as const, id: r.assertedById, path: `relations.${n}.assertedById` }] : []),
  ...r.statementIds.map((id, m) => ({ kind: 'statement' as const, id, path: `relations.${n}.statementIds.${m}` }))
])

/** The first relation that points back at its own incident, or null (an incident being created has no id to point at yet). */
export function relationRuleError (id: string | null, relations: Relation[]): FieldError | null {
  const n = relations.findIndex((r) => r.incidentId === id)
  return n < 0 ? null : { in: 'body', path: `relations.${n}.incidentId`, message: 'an incident cannot relate to itself' }
}

/** Relations without repeats of (incident, kind), in the order given; of repeats, the first stands. */
export function uniqueRelations (relations: Relation[]) {
  const seen = new Map<string, Relation>()
  for (const r of relations) if (!seen.has(`${r.incidentId}/${r.kind}`)) seen.set(`${r.incidentId}/${r.kind}`, r)
  return [...seen.values()]
}

/** The statements the relations cite: each gets linked to the incident when it is not. */
export const relationStatementIds = (relations: Relation[]) => [...new Set(relations.flatMap((r) => r.statementIds))]

/** The statements the roles and relations cite: locked for update, each linked to the incident when it is not. */
export const citedStatementIds = (input: { actors: Role[], relations?: Relation[] }) =>
  [...new Set([...roleStatementIds(input.actors), ...relationStatementIds(input.relations ?? [])])]

/** The conflict message when a same_as pair is already stored the other way round. */
export const sameAsConflict = (holder: string, other: string) =>
  `Incident ${holder} already states same_as with ${other}; a same_as relation is stored once, on one of the two`

/** The message for a part_of cycle, naming its path (first and last are the same incident). */
export const partOfCycle = (path: string[]) => `part_of would make a cycle: ${path.join(' → ')}`

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

/**
 * The rows of the incident's link tables, each list without repeats and numbered in the order given.
 * Roles get their row ids here (their statements' rows name them); a repeated role key was refused
 * by roleRuleError, so every role is a row.
 */
export const incidentLinks = (incidentId: string, input: IncidentLinkInput) => ({
  actors: input.actors.map((a, position) => {
    const id = uuidv7()
    const statementIds = [...new Set(a.statementIds)]
    return {
      id,
      incidentId,
      actorId: a.actorId,
      role: a.role,
      attribution: a.attribution,
      assertedById: asserterOf(a),
      disputed: false,
      position,
      statementIds,
      statements: statementIds.map((statementId, n) => ({ incidentActorId: id, statementId, position: n }))
    }
  }),
  sources: [...new Set(input.sourceIds)].map((sourceId, position) => ({ incidentId, sourceId, position })),
  relations: relationRows(incidentId, input.relations ?? [])
})

/** The incident_relations rows (each with the rows of its statements and the toId the views read). */
export const relationRows = (fromId: string, relations: Relation[]) => uniqueRelations(relations).map((r, position) => ({
  fromId,
  toId: r.incidentId,
  kind: r.kind,
  assertedById: r.assertedById,
  position,
  statementIds: [...new Set(r.statementIds)],
  statements: [...new Set(r.statementIds)].map((statementId, n) => ({ fromId, toId: r.incidentId, kind: r.kind, statementId, position: n }))
}))
