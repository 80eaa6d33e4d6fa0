import type pg from 'pg'
import { Prisma, type Actor } from '../../generated/prisma/client.ts'
import type { Db, DbOrTx, Tx } from '../../db/client.ts'
import { listPage, type ListTable } from '../../http/cursor.ts'
import { rawRows } from '../../db/rows.ts'
import { Problem, notFound, validationProblem } from '../../http/problems.ts'
import { isUniqueViolation } from '../../db/errors.ts'
import { escapeLike } from '../../db/like.ts'
import type { ChangeOptions } from '../../db/transaction.ts'
import { lockAllLive } from '../../db/locks.ts'
import { assertReferencesExist } from '../../http/references.ts'
import { actorSnapshotWith, type Snapshot } from '../changes/snapshots.ts'
import { bumped, createRecord, deleteRecord, editsOf, softDelete, updateRecord } from '../changes/edit.ts'
import { actorRowSql, toActor } from './views.ts'
import { actorColumns, actorReferences, conflictWith, externalColumns, missingParent } from './rules.ts'
import type { ActorListQuery, CreateActor, PatchActor } from './schemas.ts'

const actorList: ListTable<Actor> = {
  select: actorRowSql,
  from: Prisma.sql`actors a`,
  id: Prisma.sql`a.id`,
  sorts: { name: { column: Prisma.sql`a.name`, kind: 'string' }, createdAt: { column: Prisma.sql`a.created_at`, kind: 'date' } }
}

const externalSql = { wikidata: Prisma.sql`a.wikidata_id`, acled: Prisma.sql`a.acled_name`, ucdp: Prisma.sql`a.ucdp_id`, gdelt: Prisma.sql`a.gdelt_code` }

async function liveUnmerged (tx: Tx, id: string) {
  const current = await tx.actor.findFirst({ where: { id, deletedAt: null } })
  if (!current) throw notFound('Actor', id)
  if (current.mergedIntoId) {
    throw new Problem('conflict', `Actor ${id} was merged into ${current.mergedIntoId}; change that actor instead`, { existing: { id: current.mergedIntoId } })
  }
  return current
}

function listConditions (q: ActorListQuery, nameKey: string | null): Prisma.Sql[] {
  const c = [Prisma.sql`a.deleted_at IS NULL`, Prisma.sql`a.merged_into_id IS NULL`]
  // Prefix of the name or alias, or of any word in it: "kugelman" finds "Michael Kugelman".
  if (nameKey !== null) {
    const prefix = escapeLike(nameKey)
    c.push(Prisma.sql`EXISTS (SELECT 1 FROM actor_names n WHERE n.actor_id = a.id AND (n.key LIKE ${`${prefix}%`} OR n.key LIKE ${`% ${prefix}%`}))`)
  }
  if (q.kind) c.push(Prisma.sql`a.kind = ANY(${q.kind}::"ActorKind"[])`)
  if (q.country) c.push(Prisma.sql`a.country_code = ANY(${q.country}::text[])`)
  if (q.parent) c.push(Prisma.sql`a.parent_id = ANY(${q.parent}::uuid[])`)
  if (q.externalId) {
    const [dataset, ...rest] = q.externalId.split(':')
    c.push(Prisma.sql`${externalSql[dataset as keyof typeof externalSql]} = ${rest.join(':')}`)
  }
  return c
}

/** One page of live, unmerged actors in the list's keyset order, plus the exact total when asked. */
export async function listActors (pool: pg.Pool, q: ActorListQuery, asOf?: Snapshot) {
  const nameKey = q.q ? (await rawRows<{ key: string }>(pool, Prisma.sql`SELECT sitrep_name_key(${q.q}) AS key`))[0].key : null
  return listPage(pool, actorList, q, listConditions(q, nameKey), actorList.select, asOf && { with: actorSnapshotWith(asOf.seq), seq: asOf.seq })
}

export function createActorRepository (db: Db) {
  /** Who already holds one of these names or aliases (compared as the database compares them). */
  async function nameConflict (names: string[], exceptId: string | null, on: DbOrTx = db) {
    const rows = await on.$queryRaw<Array<{ id: string, name: string, held: string }>>`
      SELECT a.id, a.name, n.name AS held FROM actor_names n JOIN actors a ON a.id = n.actor_id
      WHERE n.key IN (SELECT sitrep_name_key(x) FROM unnest(${names}::text[]) AS x)
        AND (${exceptId}::uuid IS NULL OR n.actor_id <> ${exceptId}::uuid)
      LIMIT 1`
    return rows[0]
  }

  async function withNameCheck<T> (names: string[], exceptId: string | null, write: () => Promise<T>): Promise<T> {
    try {
      return await write()
    } catch (err) {
      if (!isUniqueViolation(err)) throw err
      const clash = await nameConflict(names, exceptId)
      if (!clash) throw err
      throw conflictWith(clash)
    }
  }

  // Checked inside the transaction first, so a clash is a clear 409 even within a bulk import;
  // the unique index remains the guard against concurrent writers.
  async function assertNamesFree (tx: Tx, names: string[], exceptId: string | null) {
    const clash = await nameConflict(names, exceptId, tx)
    if (clash) throw conflictWith(clash)
  }

  const actorEdit = editsOf('actor', liveUnmerged, toActor)

  async function assertParent (tx: Tx, parentId: string | null, selfId: string | null) {
    if (!parentId) return
    if (parentId === selfId) throw validationProblem([{ in: 'body', path: 'parentId', message: 'an actor cannot be its own parent' }])
    // Locked FOR SHARE: a parent deleted or merged at the same moment is either seen gone or waits for this write.
    await assertReferencesExist(tx, actorReferences({ parentId }))
    const chain = await tx.$queryRaw<Array<{ id: string, deleted: boolean }>>`
      WITH RECURSIVE up(id, parent_id, deleted, depth) AS (
        SELECT id, parent_id, deleted_at IS NOT NULL, 0 FROM actors WHERE id = ${parentId}::uuid
        UNION ALL
        SELECT a.id, a.parent_id, a.deleted_at IS NOT NULL, up.depth + 1 FROM actors a JOIN up ON a.id = up.parent_id WHERE up.depth < 50)
      SELECT id, deleted FROM up`
    if (chain.length === 0 || chain[0].deleted) {
      throw validationProblem([missingParent(parentId)])
    }
    if (selfId && chain.some((r) => r.id === selfId)) {
      throw validationProblem([{ in: 'body', path: 'parentId', message: 'the parent chain would form a cycle' }])
    }
  }

  return {
    async create (input: CreateActor, keyName: string | null) {
      const names = [input.name, ...input.aliases]
      return withNameCheck(names, null, () => createRecord(db, {
        entity: 'actor',
        keyName,
        view: toActor,
        async insert (tx, id) {
          await assertParent(tx, input.parentId, null)
          await assertNamesFree(tx, names, null)
          return tx.actor.create({ data: { id, ...actorColumns(input) } })
        }
      }))
    },

    async patch (id: string, patch: PatchActor, keyName: string | null, opts: ChangeOptions = {}) {
      const names = [patch.name, ...(patch.aliases ?? [])].filter((n): n is string => !!n)
      return withNameCheck(names, id, () => updateRecord(db, {
        ...actorEdit(id, keyName, opts),
        async apply (tx) {
          await assertNamesFree(tx, names, id)
          if (patch.parentId !== undefined) await assertParent(tx, patch.parentId, id)
          const data: Prisma.ActorUpdateInput = bumped()
          if (patch.name !== undefined) data.name = patch.name
          if (patch.kind !== undefined) data.kind = patch.kind
          if (patch.aliases !== undefined) data.aliases = patch.aliases ?? []
          if (patch.countryCode !== undefined) data.countryCode = patch.countryCode
          if (patch.parentId !== undefined) data.parent = patch.parentId ? { connect: { id: patch.parentId } } : { disconnect: true }
          if (patch.title !== undefined) data.title = patch.title
          if (patch.description !== undefined) data.description = patch.description
          if (patch.externalIds !== undefined) {
            for (const [name, column] of Object.entries(externalColumns)) {
              const value = patch.externalIds === null ? null : patch.externalIds[name as keyof typeof externalColumns]
              if (value !== undefined) data[column] = value
            }
          }
          return tx.actor.update({ where: { id }, data })
        }
      }))
    },

    async remove (id: string, keyName: string | null, opts: ChangeOptions = {}) {
      // Actors merged into this one are the same party under old ids: they go with it, each with its own
      // change, so no old id redirects (308) to a deleted actor. Locked with it, in id order.
      const mergedIn = async (tx: Tx) => (await tx.actor.findMany({ where: { mergedIntoId: id, deletedAt: null }, select: { id: true } })).map((a) => a.id)
      return deleteRecord(db, {
        ...actorEdit(id, keyName, opts),
        lock: async (tx) => lockAllLive(tx, 'actor', [id, ...await mergedIn(tx)]),
        async check (tx) {
          // A merge into this actor that committed while this waited: its duplicate is locked now (a deadlock is retried).
          const merged = await lockAllLive(tx, 'actor', await mergedIn(tx))
          const referrers = await tx.$queryRaw<Array<{ entity: string, id: string }>>`
            (SELECT 'incident' AS entity, i.id FROM incident_actors ia JOIN incidents i ON i.id = ia.incident_id
              WHERE (ia.actor_id = ${id}::uuid OR ia.asserted_by_id = ${id}::uuid) AND i.deleted_at IS NULL LIMIT 20)
            UNION ALL (SELECT 'incident', i.id FROM incident_relations r JOIN incidents i ON i.id = r.from_id
              WHERE r.asserted_by_id = ${id}::uuid AND i.deleted_at IS NULL LIMIT 20)
            UNION ALL (SELECT 'casualtyReport', c.id FROM casualty_reports c WHERE (c.reported_by_id = ${id}::uuid OR c.affected_actor_id = ${id}::uuid) AND c.deleted_at IS NULL LIMIT 20)
            UNION ALL (SELECT 'statement', s.id FROM statements s WHERE s.speaker_id = ${id}::uuid AND s.deleted_at IS NULL LIMIT 20)
            UNION ALL (SELECT 'statement', s.id FROM statement_about_actors sa JOIN statements s ON s.id = sa.statement_id
              WHERE sa.actor_id = ${id}::uuid AND s.deleted_at IS NULL LIMIT 20)
            UNION ALL (SELECT 'actor', a.id FROM actors a WHERE a.parent_id = ${id}::uuid AND a.deleted_at IS NULL LIMIT 20)`
          if (referrers.length > 0) {
            throw new Problem('conflict', `Actor ${id} is still referenced by ${referrers.length} live record(s); unlink them first`, { referrers })
          }
          return merged
        },
        async then (tx, _before, merged) {
          for (const mergedId of merged) {
            await softDelete(tx, 'actor', mergedId, toActor(await tx.actor.findUniqueOrThrow({ where: { id: mergedId } })), keyName)
          }
        }
      })
    }
  }
}
