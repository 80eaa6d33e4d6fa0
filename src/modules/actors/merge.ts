import type { Tx } from '../../plugins/database.ts'
import { Problem, notFound, validationProblem } from '../../http/problems.ts'
import { lockLive } from '../../db/locks.ts'
import { recordChange, type Entity } from '../changes/repository.ts'
import { findIncident, toIncident } from '../incidents/repository.ts'
import { findStatement, toStatement } from '../statements/repository.ts'
import { toCasualtyReport } from '../casualties/repository.ts'
import { toActor } from './repository.ts'

interface Tracked<T> { entity: Entity, ids: string[], read: (id: string) => Promise<T>, view: (row: T) => object }

async function snapshot<T> (t: Tracked<T>) {
  const before = new Map<string, object>()
  for (const id of t.ids) before.set(id, t.view(await t.read(id)))
  return before
}

/** Gives each live record whose links the merge rewrote a new version, with before/after in the change log. */
async function recordTouched<T> (tx: Tx, t: Tracked<T>, before: Map<string, object>, bump: (id: string) => Promise<unknown>, keyName: string | null) {
  for (const id of t.ids) {
    await bump(id)
    const after = await t.read(id)
    await recordChange(tx, { entity: t.entity, id, action: 'updated', version: (after as { version: number }).version, before: before.get(id)!, after: t.view(after), keyName })
  }
}

/**
 * Folds actor `id` into `into` in the caller's transaction: every link moves to the survivor, the
 * duplicate's names become the survivor's aliases, and the duplicate keeps answering with 308.
 */
export async function mergeActor (tx: Tx, id: string, into: string, keyName: string | null) {
  if (id === into) throw validationProblem([{ in: 'body', path: 'into', message: 'an actor cannot be merged into itself' }])
  for (const lockId of [id, into].sort()) await lockLive(tx, 'actor', lockId)
  const [old, survivor] = await Promise.all([
    tx.actor.findFirst({ where: { id, deletedAt: null } }),
    tx.actor.findFirst({ where: { id: into, deletedAt: null } })
  ])
  if (!old) throw notFound('Actor', id)
  if (old.mergedIntoId) throw new Problem('conflict', `Actor ${id} was already merged into ${old.mergedIntoId}`, { existing: { id: old.mergedIntoId } })
  if (!survivor) throw validationProblem([{ in: 'body', path: 'into', message: `actor ${into} does not exist` }])
  if (survivor.mergedIntoId) throw validationProblem([{ in: 'body', path: 'into', message: `actor ${into} was merged into ${survivor.mergedIntoId}; use that id` }])

  const clashes = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT a.id::text FROM casualty_reports a JOIN casualty_reports b
      ON a.incident_id = b.incident_id AND a.category = b.category AND b.reported_by_id = ${into}::uuid AND b.deleted_at IS NULL
    WHERE a.reported_by_id = ${id}::uuid AND a.deleted_at IS NULL`
  if (clashes.length > 0) {
    throw new Problem('conflict', 'Both actors gave a figure in the same category on the same incident; delete or reassign one first',
      { referrers: clashes.map((c) => ({ entity: 'casualtyReport', id: c.id })) })
  }

  const liveIds = async (sql: Promise<Array<{ id: string }>>) => (await sql).map((r) => r.id)
  const incidents = await liveIds(tx.$queryRaw`SELECT DISTINCT i.id::text FROM incident_actors l JOIN incidents i ON i.id = l.incident_id
    WHERE l.actor_id = ${id}::uuid AND i.deleted_at IS NULL ORDER BY 1`)
  const statements = await liveIds(tx.$queryRaw`SELECT s.id::text FROM statements s WHERE s.deleted_at IS NULL AND (s.speaker_id = ${id}::uuid
    OR EXISTS (SELECT 1 FROM statement_about_actors l WHERE l.statement_id = s.id AND l.actor_id = ${id}::uuid)) ORDER BY 1`)
  const reports = await liveIds(tx.$queryRaw`SELECT id::text FROM casualty_reports WHERE reported_by_id = ${id}::uuid AND deleted_at IS NULL ORDER BY 1`)

  const tracked = {
    incidents: { entity: 'incident', ids: incidents, read: (i: string) => findIncident(tx, i), view: toIncident },
    statements: { entity: 'statement', ids: statements, read: (s: string) => findStatement(tx, s), view: toStatement },
    reports: {
      entity: 'casualtyReport',
      ids: reports,
      read: (r: string) => tx.casualtyReport.findUniqueOrThrow({ where: { id: r }, include: { sources: { orderBy: { position: 'asc' } } } }),
      view: toCasualtyReport
    }
  } as const
  const before = {
    incidents: await snapshot(tracked.incidents),
    statements: await snapshot(tracked.statements),
    reports: await snapshot(tracked.reports)
  }

  // The duplicate gives up its names first (the trigger frees them), so the survivor may take them as aliases.
  const oldBefore = toActor(old)
  const merged = await tx.actor.update({ where: { id }, data: { mergedIntoId: into, version: { increment: 1 }, updatedAt: new Date() } })
  await recordChange(tx, { entity: 'actor', id, action: 'updated', version: merged.version, before: oldBefore, after: toActor(merged), keyName })
  await tx.$executeRaw`UPDATE actors SET merged_into_id = ${into}::uuid WHERE merged_into_id = ${id}::uuid`
  // If the survivor was a member of the duplicate, it takes the duplicate's place in the tree.
  await tx.$executeRaw`UPDATE actors SET parent_id = ${old.parentId}::uuid WHERE id = ${into}::uuid AND parent_id = ${id}::uuid`
  await tx.$executeRaw`UPDATE actors SET parent_id = ${into}::uuid WHERE parent_id = ${id}::uuid`

  // Every reference moves, on live and deleted records alike, so nothing points at a merged id.
  await tx.$executeRaw`INSERT INTO incident_actors (incident_id, actor_id, role, position)
    SELECT incident_id, ${into}::uuid, role, position FROM incident_actors WHERE actor_id = ${id}::uuid ON CONFLICT DO NOTHING`
  await tx.$executeRaw`DELETE FROM incident_actors WHERE actor_id = ${id}::uuid`
  await tx.$executeRaw`INSERT INTO statement_about_actors (statement_id, actor_id, position)
    SELECT statement_id, ${into}::uuid, position FROM statement_about_actors WHERE actor_id = ${id}::uuid ON CONFLICT DO NOTHING`
  await tx.$executeRaw`DELETE FROM statement_about_actors WHERE actor_id = ${id}::uuid`
  await tx.$executeRaw`UPDATE statements SET speaker_id = ${into}::uuid WHERE speaker_id = ${id}::uuid`
  await tx.$executeRaw`UPDATE casualty_reports SET reported_by_id = ${into}::uuid WHERE reported_by_id = ${id}::uuid`

  const survivorBefore = toActor(survivor)
  const [{ aliases }] = await tx.$queryRaw<Array<{ aliases: string[] }>>`
    SELECT coalesce(array_agg(n ORDER BY o), '{}') AS aliases FROM (
      SELECT DISTINCT ON (sitrep_name_key(n)) n, o FROM unnest(${[...survivor.aliases, old.name, ...old.aliases]}::text[]) WITH ORDINALITY AS t(n, o)
      WHERE sitrep_name_key(n) <> sitrep_name_key(${survivor.name}) ORDER BY sitrep_name_key(n), o) d`
  const grown = await tx.actor.update({
    where: { id: into },
    data: {
      aliases,
      wikidataId: survivor.wikidataId ?? old.wikidataId,
      acledName: survivor.acledName ?? old.acledName,
      ucdpId: survivor.ucdpId ?? old.ucdpId,
      gdeltCode: survivor.gdeltCode ?? old.gdeltCode,
      countryCode: survivor.countryCode ?? old.countryCode,
      version: { increment: 1 },
      updatedAt: new Date()
    }
  })
  await recordChange(tx, { entity: 'actor', id: into, action: 'updated', version: grown.version, before: survivorBefore, after: toActor(grown), keyName })

  const bump = () => ({ version: { increment: 1 }, updatedAt: new Date() })
  await recordTouched(tx, tracked.incidents, before.incidents, (i) => tx.incident.update({ where: { id: i }, data: bump() }), keyName)
  await recordTouched(tx, tracked.statements, before.statements, (s) => tx.statement.update({ where: { id: s }, data: bump() }), keyName)
  await recordTouched(tx, tracked.reports, before.reports, (r) => tx.casualtyReport.update({ where: { id: r }, data: bump() }), keyName)
  return grown
}
