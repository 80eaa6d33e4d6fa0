import { Prisma, type Actor } from '../../generated/prisma/client.ts'
import { modelColumns, rawRows, type Reader } from '../../db/rows.ts'
import { Moved, notFound } from '../../http/problems.ts'
import { iso } from '../../http/schemas.ts'
import type { ActorView } from './schemas.ts'

export function toActor (a: Actor): ActorView {
  const externalIds: ActorView['externalIds'] = {}
  if (a.wikidataId) externalIds.wikidata = a.wikidataId
  if (a.acledName) externalIds.acled = a.acledName
  if (a.ucdpId) externalIds.ucdp = a.ucdpId
  if (a.gdeltCode) externalIds.gdelt = a.gdeltCode
  return {
    id: a.id,
    name: a.name,
    kind: a.kind,
    aliases: a.aliases,
    countryCode: a.countryCode,
    parentId: a.parentId,
    title: a.title,
    description: a.description,
    externalIds,
    mergedIntoId: a.mergedIntoId,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
    version: a.version
  }
}

const actorFields = ['id', 'name', 'kind', 'aliases', 'countryCode', 'parentId', 'title', 'description', 'wikidataId', 'acledName',
  'ucdpId', 'gdeltCode', 'mergedIntoId', 'createdAt', 'updatedAt', 'version', 'deletedAt'] as const satisfies ReadonlyArray<keyof Actor>

/** An actor row (alias a): the shape of Actor. */
export const actorRowSql = modelColumns('a', actorFields)

/** Actors by id (deleted and merged ones too: they are what a record points at), as views keyed by id. */
export async function loadActorViews (on: Reader, ids: string[]) {
  const unique = [...new Set(ids)]
  const rows = unique.length === 0 ? [] : await rawRows<Actor>(on, Prisma.sql`SELECT ${actorRowSql} FROM actors a WHERE a.id = ANY(${unique}::uuid[])`)
  return new Map(rows.map((a) => [a.id, toActor(a)]))
}

/** A live actor; a merged one answers with its survivor (308). */
export async function getActor (on: Reader, id: string): Promise<Actor> {
  const [row] = await rawRows<Actor>(on, Prisma.sql`SELECT ${actorRowSql} FROM actors a WHERE a.id = ${id}::uuid AND a.deleted_at IS NULL`)
  if (!row) throw notFound('Actor', id)
  if (row.mergedIntoId) throw new Moved(id, row.mergedIntoId)
  return row
}
