import { Prisma } from '../../generated/prisma/client.ts'
import type { Db, Tx } from '../../db/client.ts'
import { Problem, notFound, validationProblem } from '../../http/problems.ts'
import { lockAllLive } from '../../db/locks.ts'
import { writeTransaction } from '../../db/transaction.ts'
import { changeLogLockSql, insertChangesSql, type ChangeInput, type Entity } from '../changes/repository.ts'
import { linkedDenials, loadIncidentRows, toIncident } from '../incidents/views.ts'
import { settleDisputed } from '../casualties/derived.ts'
import { statementRowSql, toStatement, type StatementRow } from '../statements/views.ts'
import { reportRowSql, toCasualtyReport, type ReportRow } from '../casualties/views.ts'
import { toActor } from './views.ts'

/** Change-log entries per INSERT: bounds one statement's JSON (a merge may touch tens of thousands of records). */
const CHANGES_PER_STATEMENT = 2_000

/** The live records that name the duplicate, by table. */
interface Referrers { statements: string[], incidents: string[], reports: string[], actors: string[] }

const ids = async (rows: Promise<Array<{ id: string }>>) => (await rows).map((r) => r.id)

async function referrersOf (tx: Tx, id: string): Promise<Referrers> {
  return {
    statements: await ids(tx.$queryRaw`SELECT s.id::text FROM statements s WHERE s.deleted_at IS NULL AND (s.speaker_id = ${id}::uuid
      OR EXISTS (SELECT 1 FROM statement_about_actors l WHERE l.statement_id = s.id AND l.actor_id = ${id}::uuid))`),
    // Also those with a denial it spoke linked: a role of the survivor there becomes disputed.
    incidents: await ids(tx.$queryRaw`SELECT DISTINCT i.id::text FROM incident_actors l JOIN incidents i ON i.id = l.incident_id
      WHERE l.actor_id = ${id}::uuid AND i.deleted_at IS NULL
      UNION SELECT i.id::text FROM incident_actors l JOIN incidents i ON i.id = l.incident_id WHERE l.asserted_by_id = ${id}::uuid AND i.deleted_at IS NULL
      UNION SELECT i.id::text FROM incident_relations r JOIN incidents i ON i.id = r.from_id WHERE r.asserted_by_id = ${id}::uuid AND i.deleted_at IS NULL
      UNION SELECT i.id::text FROM statements s JOIN statement_incidents si ON si.statement_id = s.id JOIN incidents i ON i.id = si.incident_id
        WHERE s.speaker_id = ${id}::uuid AND s.kind = 'denial' AND s.deleted_at IS NULL AND i.deleted_at IS NULL`),
    reports: await ids(tx.$queryRaw`SELECT id::text FROM casualty_reports WHERE (reported_by_id = ${id}::uuid OR affected_actor_id = ${id}::uuid) AND deleted_at IS NULL`),
    // Its members (re-parented) and the actors merged into it before (their chain is flattened).
    actors: await ids(tx.$queryRaw`SELECT id::text FROM actors WHERE deleted_at IS NULL AND (parent_id = ${id}::uuid OR merged_into_id = ${id}::uuid)`)
  }
}

/**
 * Every lock the merge needs, in the global order (docs/architecture.md, "Lock order"): the records
 * it rewrites, table by table, then the two actors with the duplicate's members. A writer that
 * linked the duplicate and committed while the merge waited for the duplicate's lock added a
 * referrer; those are locked last, out of order (a deadlock there is rolled back and retried by
 * writeTransaction), after which no new referrer can appear: linking needs a shared lock on the duplicate.
 */
async function lockAll (tx: Tx, id: string, into: string): Promise<Referrers> {
  const seen = await referrersOf(tx, id)
  await lockAllLive(tx, 'statement', seen.statements)
  await lockAllLive(tx, 'incident', seen.incidents)
  await lockAllLive(tx, 'casualtyReport', seen.reports)
  await lockAllLive(tx, 'actor', [id, into, ...seen.actors])
  const now = await referrersOf(tx, id)
  const added = (kind: keyof Referrers) => now[kind].filter((x) => !seen[kind].includes(x))
  await lockAllLive(tx, 'statement', added('statements'))
  await lockAllLive(tx, 'incident', added('incidents'))
  await lockAllLive(tx, 'casualtyReport', added('reports'))
  await lockAllLive(tx, 'actor', added('actors'))
  return now
}

/** Views of these records as the API shows them, in one query per table. */
async function views (tx: Tx, r: Referrers) {
  const read = async <T, V extends { id: string, version: number }>(list: string[], sql: (ids: string[]) => Prisma.Sql, view: (row: T) => V) =>
    list.length === 0 ? [] : (await tx.$queryRaw<T[]>(sql(list))).map(view)
  return {
    actor: (await tx.actor.findMany({ where: { id: { in: r.actors } } })).map(toActor),
    incident: (await loadIncidentRows(tx, r.incidents, { withDeleted: true })).map(toIncident),
    statement: await read(r.statements, (x) => Prisma.sql`SELECT ${statementRowSql} FROM statements s WHERE s.id = ANY(${x}::uuid[]) ORDER BY s.id`, (row: StatementRow) => toStatement(row)),
    casualtyReport: await read(r.reports, (x) => Prisma.sql`SELECT ${reportRowSql} FROM casualty_reports r WHERE r.id = ANY(${x}::uuid[]) ORDER BY r.id`, (row: ReportRow) => toCasualtyReport(row))
  }
}

/**
 * Roles naming the duplicate, as actor or as asserter, name the survivor. A role whose key (incident,
 * actor, role, asserter) becomes another's collapses into it: the one that stays is the role already
 * held by the survivor, else the first in the incident's order; it gains the other's statements.
 */
async function moveRoles (tx: Tx, id: string, into: string) {
  const swap = (column: Prisma.Sql) => Prisma.sql`CASE WHEN ${column} = ${id}::uuid THEN ${into}::uuid ELSE ${column} END`
  // The roles that collapse (id) and the role each collapses into (keeper); read twice, unchanged in between.
  const collapsing = Prisma.sql`WITH keyed AS (
      SELECT ia.id, ia.incident_id, ia.position, ia.actor_id = ${id}::uuid OR ia.asserted_by_id = ${id}::uuid AS moves,
        ${swap(Prisma.sql`ia.actor_id`)} AS actor, ia.role, ${swap(Prisma.sql`ia.asserted_by_id`)} AS asserter
      FROM incident_actors ia WHERE ia.incident_id IN (SELECT incident_id FROM incident_actors WHERE actor_id = ${id}::uuid OR asserted_by_id = ${id}::uuid)),
    ranked AS (
      SELECT k.id, first_value(k.id) OVER (PARTITION BY k.incident_id, k.actor, k.role, k.asserter ORDER BY k.moves, k.position, k.id) AS keeper FROM keyed k)
    SELECT id, keeper FROM ranked WHERE id <> keeper`
  // The keeper's own statements stay first.
  await tx.$executeRaw`INSERT INTO incident_actor_statements (incident_actor_id, statement_id, position)
    SELECT c.keeper, st.statement_id, 1000 + st.position FROM (${collapsing}) c JOIN incident_actor_statements st ON st.incident_actor_id = c.id
    ON CONFLICT DO NOTHING`
  await tx.$executeRaw`DELETE FROM incident_actors WHERE id IN (SELECT id FROM (${collapsing}) c)`
  await tx.$executeRaw`UPDATE incident_actors SET actor_id = ${swap(Prisma.sql`actor_id`)}, asserted_by_id = ${swap(Prisma.sql`asserted_by_id`)}
    WHERE actor_id = ${id}::uuid OR asserted_by_id = ${id}::uuid`
}

/** Refuses the merge when the survivor sits below the duplicate: its members would become its ancestors (a cycle). */
async function assertNotDescendant (tx: Tx, id: string, into: string) {
  const [below] = await tx.$queryRaw<Array<{ depth: number }>>`
    WITH RECURSIVE up(id, parent_id, depth) AS (
      SELECT id, parent_id, 0 FROM actors WHERE id = ${into}::uuid
      UNION ALL SELECT a.id, a.parent_id, up.depth + 1 FROM actors a JOIN up ON a.id = up.parent_id WHERE up.depth < 100)
    SELECT depth FROM up WHERE id = ${id}::uuid LIMIT 1`
  if (below) {
    throw new Problem('conflict', `Actor ${into} is a member of actor ${id} (directly or further down); merging would make the tree a cycle. ` +
      'Move it out first (PATCH its parentId), then merge.', { existing: { id } })
  }
}

/**
 * Folds actor `id` into `into` in the caller's transaction: every link moves to the survivor, the
 * duplicate's names become the survivor's aliases, its members move under the survivor, actors
 * merged into it before now point at the survivor, and the duplicate keeps answering with 308.
 * Every live record it changes gets a new version and a change-log entry. Set-based: a constant
 * number of statements however many records name the duplicate.
 */
export async function mergeActor (tx: Tx, id: string, into: string, keyName: string | null) {
  if (id === into) throw validationProblem([{ in: 'body', path: 'into', message: 'an actor cannot be merged into itself' }])
  const touched = await lockAll(tx, id, into)
  // One after the other: a transaction is one connection, which runs one query at a time anyway.
  const old = await tx.actor.findFirst({ where: { id, deletedAt: null } })
  const survivor = await tx.actor.findFirst({ where: { id: into, deletedAt: null } })
  if (!old) throw notFound('Actor', id)
  if (old.mergedIntoId) throw new Problem('conflict', `Actor ${id} was already merged into ${old.mergedIntoId}`, { existing: { id: old.mergedIntoId } })
  if (!survivor) throw validationProblem([{ in: 'body', path: 'into', message: `actor ${into} does not exist` }])
  if (survivor.mergedIntoId) throw validationProblem([{ in: 'body', path: 'into', message: `actor ${into} was merged into ${survivor.mergedIntoId}; use that id` }])
  await assertNotDescendant(tx, id, into)

  // Reports whose key (incident, reporter, affected party, category: casualties/rules.ts, twinKey) the
  // merge would make equal to another live report's, both keys read with the duplicate replaced.
  const clashes = await tx.$queryRaw<Array<{ id: string }>>`
    WITH keyed AS (
      SELECT r.id, r.incident_id, r.category, r.reported_by_id = ${id}::uuid OR r.affected_actor_id = ${id}::uuid AS moves,
        CASE WHEN r.reported_by_id = ${id}::uuid THEN ${into}::uuid ELSE r.reported_by_id END AS reporter,
        CASE WHEN r.affected_actor_id = ${id}::uuid THEN ${into}::uuid ELSE r.affected_actor_id END AS affected
      FROM casualty_reports r
      WHERE r.deleted_at IS NULL AND r.incident_id IN (SELECT incident_id FROM casualty_reports
        WHERE (reported_by_id = ${id}::uuid OR affected_actor_id = ${id}::uuid) AND deleted_at IS NULL))
    SELECT DISTINCT a.id::text FROM keyed a JOIN keyed b ON a.id <> b.id AND a.incident_id = b.incident_id AND a.category = b.category
      AND a.reporter IS NOT DISTINCT FROM b.reporter AND a.affected IS NOT DISTINCT FROM b.affected
    WHERE a.moves ORDER BY 1`
  if (clashes.length > 0) {
    throw new Problem('conflict', 'After the merge two figures would have the same reporter and affected party in the same category on the same incident; delete or reassign one first',
      { referrers: clashes.map((c) => ({ entity: 'casualtyReport', id: c.id })) })
  }

  const before = await views(tx, touched)
  const now = new Date()

  // The duplicate gives up its names first (the trigger frees them), so the survivor may take them as aliases.
  const merged = await tx.actor.update({ where: { id }, data: { mergedIntoId: into, version: { increment: 1 }, updatedAt: now } })
  const bump = Prisma.sql`version = version + 1, updated_at = ${now}`
  // Members move under the survivor and earlier merges point at it; deleted rows move too, without a
  // new version (their history ended with their deletion).
  await tx.$executeRaw`UPDATE actors SET merged_into_id = ${into}::uuid, ${bump} WHERE merged_into_id = ${id}::uuid AND id = ANY(${touched.actors}::uuid[])`
  await tx.$executeRaw`UPDATE actors SET parent_id = ${into}::uuid, ${bump} WHERE parent_id = ${id}::uuid AND id = ANY(${touched.actors}::uuid[])`
  await tx.$executeRaw`UPDATE actors SET merged_into_id = ${into}::uuid WHERE merged_into_id = ${id}::uuid`
  await tx.$executeRaw`UPDATE actors SET parent_id = ${into}::uuid WHERE parent_id = ${id}::uuid`

  // Every reference moves, on live and deleted records alike, so nothing points at a merged id.
  await moveRoles(tx, id, into)
  await tx.$executeRaw`UPDATE incident_relations SET asserted_by_id = ${into}::uuid WHERE asserted_by_id = ${id}::uuid`
  await tx.$executeRaw`INSERT INTO statement_about_actors (statement_id, actor_id, position)
    SELECT statement_id, ${into}::uuid, position FROM statement_about_actors WHERE actor_id = ${id}::uuid ON CONFLICT DO NOTHING`
  await tx.$executeRaw`DELETE FROM statement_about_actors WHERE actor_id = ${id}::uuid`
  await tx.$executeRaw`UPDATE statements SET speaker_id = ${into}::uuid WHERE speaker_id = ${id}::uuid`
  await tx.$executeRaw`UPDATE casualty_reports SET reported_by_id = ${into}::uuid WHERE reported_by_id = ${id}::uuid`
  await tx.$executeRaw`UPDATE casualty_reports SET affected_actor_id = ${into}::uuid WHERE affected_actor_id = ${id}::uuid`
  await tx.$executeRaw`UPDATE incidents SET ${bump} WHERE id = ANY(${touched.incidents}::uuid[])`
  await tx.$executeRaw`UPDATE statements SET ${bump} WHERE id = ANY(${touched.statements}::uuid[])`
  await tx.$executeRaw`UPDATE casualty_reports SET ${bump} WHERE id = ANY(${touched.reports}::uuid[])`

  // Speakers and roles moved: which roles a denial disputes may have changed (the incidents were bumped above).
  const moved = await loadIncidentRows(tx, touched.incidents)
  await settleDisputed(tx, moved, await linkedDenials(tx, touched.incidents))

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
      updatedAt: now
    }
  })

  const after = await views(tx, touched)
  const changes: ChangeInput[] = [
    { entity: 'actor', id, action: 'updated', version: merged.version, before: toActor(old), after: toActor(merged), keyName },
    { entity: 'actor', id: into, action: 'updated', version: grown.version, before: toActor(survivor), after: toActor(grown), keyName }
  ]
  for (const entity of ['actor', 'incident', 'statement', 'casualtyReport'] as const satisfies Entity[]) {
    const was = new Map(before[entity].map((v) => [v.id, v]))
    for (const view of after[entity]) changes.push({ entity, id: view.id, action: 'updated', version: view.version, before: was.get(view.id)!, after: view, keyName })
  }
  // The change log's lock last, after every row lock (docs/architecture.md, "Lock order").
  await tx.$executeRaw(changeLogLockSql)
  for (let from = 0; from < changes.length; from += CHANGES_PER_STATEMENT) {
    await tx.$executeRaw(insertChangesSql(changes.slice(from, from + CHANGES_PER_STATEMENT)))
  }
  return grown
}

/** The merge as one write: the service the route calls, beside the actor repository rather than inside it. */
export function createActorMerge (db: Db) {
  // A well-linked actor's merge rewrites and logs every record naming it: 10,000 links took 3-4.5 s
  // and 50,000 took 21 s on a busy 2-core machine (bench/merge.ts); two minutes leave room for load.
  return (id: string, into: string, keyName: string | null) => writeTransaction(db, (tx) => mergeActor(tx, id, into, keyName), { timeoutMs: 120_000 })
}
