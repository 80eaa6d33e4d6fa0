import { Problem, type FieldError } from '../../http/problems.ts'
import type { Reference } from '../../db/references.ts'
import type { CreateActor } from './schemas.ts'

// The write rules of an actor, shared by the single writes (repository.ts) and the import (imports/judge.ts).

/** The dataset named in `externalId=` and `externalIds`, and the column holding the actor's id in it. */
export const externalColumns = { wikidata: 'wikidataId', acled: 'acledName', ucdp: 'ucdpId', gdelt: 'gdeltCode' } as const

/** The 409 for a name or alias that another actor (`id`, `name`) already holds as `held`. */
export const conflictWith = (clash: { id: string, name: string, held: string }) =>
  new Problem('conflict', `An actor named "${clash.name}" already uses the name "${clash.held}" (id ${clash.id})`,
    { existing: { id: clash.id, name: clash.name } })

/** The columns of a new actor. */
export function actorColumns (input: CreateActor) {
  return {
    name: input.name,
    kind: input.kind,
    aliases: input.aliases,
    countryCode: input.countryCode,
    parentId: input.parentId,
    title: input.title,
    description: input.description,
    wikidataId: input.externalIds.wikidata ?? null,
    acledName: input.externalIds.acled ?? null,
    ucdpId: input.externalIds.ucdp ?? null,
    gdeltCode: input.externalIds.gdelt ?? null
  }
}

/** The parent, which must be a live actor that was not merged (a merge moves its members to the survivor). */
export const actorReferences = (input: { parentId: string | null }): Reference[] =>
  input.parentId ? [{ kind: 'actor', id: input.parentId, path: 'parentId' }] : []

export const missingParent = (parentId: string): FieldError => ({ in: 'body', path: 'parentId', message: `actor ${parentId} does not exist` })
