import type pg from 'pg'
import { Prisma, type Actor } from '../../generated/prisma/client.ts'
import { modelColumns, rawRows } from '../../db/rows.ts'
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

/** Actors by id (deleted and merged ones too: they are what a record points at), as views keyed by id. */
export async function loadActorViews (pool: pg.Pool, ids: string[]) {
  const unique = [...new Set(ids)]
  const rows = unique.length === 0 ? [] : await rawRows<Actor>(pool, Prisma.sql`SELECT ${modelColumns('a', actorFields)} FROM actors a WHERE a.id = ANY(${unique}::uuid[])`)
  return new Map(rows.map((a) => [a.id, toActor(a)]))
}
