import type pg from 'pg'
import { Prisma } from '../../generated/prisma/client.ts'
import type { Db, Tx } from '../../db/client.ts'
import { listAllSql, listPage, type ListTable } from '../../http/cursor.ts'
import { exportSelect, jsonSql, type ExportShape } from '../../db/export-sql.ts'
import { incidentSnapshotWith } from '../changes/snapshots.ts'
import { Problem, validationProblem } from '../../http/problems.ts'
import { isUniqueViolation } from '../../db/errors.ts'
import { assertReferencesExist } from '../../http/references.ts'
import { lockAllLive, lockLive, partOfLockSql } from '../../db/locks.ts'
import { rawRows, type Reader } from '../../db/rows.ts'
import type { ChangeOptions } from '../../db/transaction.ts'
import { recordChange } from '../changes/repository.ts'
import { bumped, createRecord, deleteRecord, editsOf, softDelete, updateRecord } from '../changes/edit.ts'
import { mergePatch } from '../../http/merge-patch.ts'
import { toCasualtyReport } from '../casualties/views.ts'
import { settleIncidentDerived } from '../casualties/derived.ts'
import { statementRowSql, toStatement, type StatementRow } from '../statements/views.ts'
import {
  externalIdHoldersSql, findIncident, incidentColumnsSql, incidentRowOptions, relationStatementsSql, toIncident, type ExternalIdHolder, type IncidentRow, type RelationRow
} from './views.ts'
import { incidentConditions } from './filters.ts'
import { incidentExport, incidentExportOf } from './export.ts'
import {
  citedStatementIds, countriesOf, externalIdConflict, incidentColumns, incidentLinks, incidentReferences, incidentRuleError, partOfCycle, relationRuleError,
  roleRuleError, sameAsConflict, type IncidentInput
} from './rules.ts'
import {
  createIncidentSchema, type CreateIncident, type IncidentFilters, type IncidentListQuery, type PatchIncident, type RelatedQuery
} from './schemas.ts'

const incidentList: ListTable<IncidentRow> = {
  select: incidentColumnsSql,
  from: Prisma.sql`incidents i`,
  id: Prisma.sql`i.id`,
  sorts: {
    occurredAt: { column: Prisma.sql`i.occurred_at`, kind: 'date' },
    updatedAt: { column: Prisma.sql`i.updated_at`, kind: 'date' },
    fatalities: { column: Prisma.sql`i.fatalities_best`, kind: 'number', nullable: true, cursorValue: (row) => row.fatalitiesBest }
  },
  rows: incidentRowOptions
}

/**
 * Checks that hold across fields and the references to other records. The statements the relations
 * cite are locked for update (they get linked to the incident), at their turn in the lock order.
 */
async function validateIncident (tx: Tx, id: string | null, input: IncidentInput) {
  const broken = incidentRuleError(input) ?? roleRuleError(input.actors) ?? relationRuleError(id, input.relations)
  if (broken) throw validationProblem([broken])
  await assertReferencesExist(tx, incidentReferences(input), { forUpdate: { statement: citedStatementIds(input) } })
}

/** The 409 naming the live incident that already holds one of the dataset ids, checked in the write's transaction. */
async function assertExternalIdsFree (on: Reader, input: Pick<IncidentInput, 'externalIds'>, exceptId: string | null) {
  const e = input.externalIds
  if (e.acled === undefined && e.ucdp === undefined && e.gdelt === undefined) return
  const ids = { acled: e.acled ? [e.acled] : [], ucdp: e.ucdp ? [e.ucdp] : [], gdelt: e.gdelt ? [e.gdelt] : [] }
  const [clash] = await rawRows<ExternalIdHolder>(on, externalIdHoldersSql(ids, exceptId))
  if (clash) throw externalIdConflict(clash)
}

/**
 * The partial unique indexes stay the guard against a concurrent writer: its commit between the check
 * and the insert surfaces as a unique violation, answered with the same 409 once the holder is readable.
 */
async function withExternalIdCheck<T> (db: Db, input: Pick<IncidentInput, 'externalIds'>, exceptId: string | null, write: () => Promise<T>) {
  try {
    return await write()
  } catch (err) {
    if (!isUniqueViolation(err)) throw err
    await assertExternalIdsFree(db, input, exceptId)
    throw err
  }
}

/**
 * The rules of relations that read other incidents' relations, under the locks: a same_as already
 * stored the other way round is a 409; a part_of that closes a cycle is a 400 naming the path.
 */
async function checkRelations (tx: Tx, id: string, relations: IncidentInput['relations']) {
  const sameAs = relations.filter((r) => r.kind === 'same_as').map((r) => r.incidentId)
  if (sameAs.length > 0) {
    const [held] = await rawRows<{ fromId: string }>(tx, Prisma.sql`SELECT r.from_id::text AS "fromId" FROM incident_relations r
      WHERE r.kind = 'same_as' AND r.to_id = ${id}::uuid AND r.from_id = ANY(${sameAs}::uuid[]) LIMIT 1`)
    if (held) throw new Problem('conflict', sameAsConflict(held.fromId, id), { existing: { id: held.fromId } })
  }
  const parents = relations.filter((r) => r.kind === 'part_of').map((r) => r.incidentId)
  if (parents.length === 0) return
  await tx.$executeRaw(partOfLockSql)
  // Up the part_of chains from each new parent among live incidents: reaching this incident is a cycle.
  // The incident's own stored relations are not followed (the write replaces them).
  const [cycle] = await rawRows<{ path: string[] }>(tx, Prisma.sql`WITH RECURSIVE walk(node, path) AS (
      SELECT p, ARRAY[${id}::uuid, p] FROM unnest(${parents}::uuid[]) AS p
      UNION ALL
      SELECT r.to_id, w.path || r.to_id FROM walk w
        JOIN incident_relations r ON r.from_id = w.node AND r.kind = 'part_of'
        JOIN incidents i ON i.id = r.from_id AND i.deleted_at IS NULL
      WHERE w.node <> ${id}::uuid AND NOT r.to_id = ANY(w.path[2:]))
    SELECT path::text[] AS path FROM walk WHERE node = ${id}::uuid LIMIT 1`)
  if (cycle) {
    const n = relations.findIndex((r) => r.kind === 'part_of' && r.incidentId === cycle.path[1])
    throw validationProblem([{ in: 'body', path: `relations.${n}.incidentId`, message: partOfCycle(cycle.path) }])
  }
}

async function writeLinks (tx: Tx, id: string, input: Pick<IncidentInput, 'actors' | 'sourceIds' | 'relations'>) {
  const links = incidentLinks(id, input)
  await tx.incidentActor.createMany({ data: links.actors.map(({ statementIds: _s, statements: _t, ...row }) => row) })
  await tx.incidentActorStatement.createMany({ data: links.actors.flatMap((a) => a.statements) })
  await tx.incidentSource.createMany({ data: links.sources })
  await tx.incidentRelation.createMany({ data: links.relations.map(({ statementIds: _s, statements: _t, ...row }) => row) })
  await tx.incidentRelationStatement.createMany({ data: links.relations.flatMap((r) => r.statements) })
}

/** Statements' views, one query for all, as the actor merge reads the records it rewrites. */
async function statementViews (tx: Tx, ids: string[]) {
  if (ids.length === 0) return []
  return (await rawRows<StatementRow>(tx, Prisma.sql`SELECT ${statementRowSql} FROM statements s WHERE s.id = ANY(${ids}::uuid[]) ORDER BY s.id`)).map(toStatement)
}

/**
 * Links the statements a role or relation cites to its incident when they are not yet (the caller
 * holds their locks): each gets a version and a change.
 */
async function linkStatements (tx: Tx, incidentId: string, statementIds: string[], keyName: string | null) {
  if (statementIds.length === 0) return
  const unlinked = await rawRows<{ id: string, kind: string }>(tx, Prisma.sql`SELECT s.id::text, s.kind::text FROM statements s
    WHERE s.id = ANY(${statementIds}::uuid[]) AND NOT EXISTS (SELECT 1 FROM statement_incidents si WHERE si.statement_id = s.id AND si.incident_id = ${incidentId}::uuid)
    ORDER BY s.id`)
  if (unlinked.length === 0) return
  const ids = unlinked.map((s) => s.id)
  const before = await statementViews(tx, ids)
  await tx.$executeRaw`INSERT INTO statement_incidents (statement_id, incident_id, position)
    SELECT s.id, ${incidentId}::uuid, coalesce((SELECT max(si.position) + 1 FROM statement_incidents si WHERE si.statement_id = s.id), 0)
    FROM statements s WHERE s.id = ANY(${ids}::uuid[])`
  await tx.statement.updateMany({ where: { id: { in: ids } }, data: bumped() })
  const after = await statementViews(tx, ids)
  for (const [n, b] of before.entries()) {
    await recordChange(tx, { entity: 'statement', id: b.id, action: 'updated', version: after[n].version, before: b, after: after[n], keyName })
  }
}

/**
 * Writes the links' consequences after the incident's row and links: the statements they cite
 * linked, then the derived values (a denial that joined contests it; a role a linked denial answers is disputed).
 */
async function settleLinks (tx: Tx, id: string, input: Pick<IncidentInput, 'actors' | 'relations'>, keyName: string | null) {
  await linkStatements(tx, id, citedStatementIds(input), keyName)
  await settleIncidentDerived(tx, id)
}

/**
 * One page in the list's keyset order, plus the exact total when asked: one statement, the rows
 * carry their links (incidentColumnsSql).
 */
export async function listIncidents (pool: pg.Pool, q: Omit<IncidentListQuery, 'include' | 'format'> & { hasLocation?: boolean }) {
  const page = await listPage(pool, incidentList, q, incidentConditions(q as IncidentFilters))
  return { rows: page.rows, total: page.total, cursorOf: page.cursorOf }
}

/** A page's row read asOf a snapshot: the sort keys its cursor needs and the view, as the NDJSON export writes it. */
export type IncidentSnapshotRow = Pick<IncidentRow, 'id' | 'occurredAt' | 'updatedAt' | 'fatalitiesBest'> & { view: string }

const snapshotSelect = Prisma.sql`i.id::text AS id, i.occurred_at AS "occurredAt", i.updated_at AS "updatedAt", i.fatalities_best AS "fatalitiesBest",
  ${jsonSql(incidentExportOf('log').fields)} AS view`

/**
 * One page of the list as it stood at change-log position `seq`: the same filters, order and keyset
 * over the incident tables rebuilt from the log (src/modules/changes/snapshots.ts). The views come
 * from the export's SQL over the logged view, since the links of the past are not in today's links.
 */
export function listIncidentsAsOf (pool: pg.Pool, seq: string, q: Omit<IncidentListQuery, 'include' | 'format'> & { hasLocation?: boolean }) {
  return listPage(pool, incidentList as unknown as ListTable<IncidentSnapshotRow>, q, incidentConditions(q as IncidentFilters), snapshotSelect,
    { with: incidentSnapshotWith(seq), seq })
}

/**
 * Every match of the list, in its order, as PostgreSQL writes `format` (GeoJSON: those with a location);
 * asOf position `seq` when given (with a shape that reads links from the log, incidentExportOf('log')).
 */
export function incidentExportSql (q: Omit<IncidentListQuery, 'include' | 'format' | 'fields' | 'asOf'>, format: 'ndjson' | 'csv' | 'geojson',
  shape: ExportShape = incidentExport, seq?: string) {
  const filters = { ...q, hasLocation: format === 'geojson' || undefined } as IncidentFilters
  return listAllSql(incidentList, q.sort, incidentConditions(filters), exportSelect(format, shape), seq === undefined ? undefined : incidentSnapshotWith(seq))
}

// The fields a write takes: a patch is merged over the incident's current ones.
const incidentInputFields = createIncidentSchema.keyof().options

export function createIncidentRepository (db: Db) {
  const incidentEdit = editsOf('incident', (tx: Tx, id: string) => findIncident(tx, id), toIncident)

  return {
    async create (body: CreateIncident, keyName: string | null) {
      const input: IncidentInput = { ...body, countryCodes: countriesOf(body.countryCodes, body.location) }
      return withExternalIdCheck(db, input, null, () => createRecord(db, {
        entity: 'incident',
        keyName,
        view: toIncident,
        async insert (tx, id) {
          await validateIncident(tx, null, input)
          await assertExternalIdsFree(tx, input, null)
          await checkRelations(tx, id, input.relations)
          await tx.incident.create({ data: { id, ...incidentColumns(input) } })
          await writeLinks(tx, id, input)
          await settleLinks(tx, id, input, keyName)
          return findIncident(tx, id)
        }
      }))
    },

    async patch (id: string, patch: PatchIncident, keyName: string | null, opts: ChangeOptions = {}) {
      return withExternalIdCheck(db, { externalIds: patch.externalIds ?? {} }, id, () => updateRecord(db, {
        ...incidentEdit(id, keyName, opts),
        // The statements new roles and relations cite are locked before the incident (docs/architecture.md, "Lock order").
        async lock (tx) {
          await lockAllLive(tx, 'statement', citedStatementIds({ actors: patch.actors ?? [], relations: patch.relations ?? [] }))
          await lockLive(tx, 'incident', id)
        },
        async apply (tx, before) {
          // Only the roles and relations the patch gives are checked: the stored ones were when they were written.
          const merged = mergePatch({ ...before, actors: patch.actors ?? [] }, patch, incidentInputFields)
          const input: IncidentInput = { ...merged, countryCodes: countriesOf(merged.countryCodes, merged.location) }
          await validateIncident(tx, id, { ...input, relations: patch.relations ?? [] })
          if (patch.externalIds) await assertExternalIdsFree(tx, input, id)
          if (patch.relations) await checkRelations(tx, id, patch.relations)
          await tx.incident.update({ where: { id }, data: { ...incidentColumns(input), ...bumped() } })
          if (patch.actors) await tx.incidentActor.deleteMany({ where: { incidentId: id } })
          if (patch.sourceIds) await tx.incidentSource.deleteMany({ where: { incidentId: id } })
          if (patch.relations) await tx.incidentRelation.deleteMany({ where: { fromId: id } })
          await writeLinks(tx, id, { actors: patch.actors ?? [], sourceIds: patch.sourceIds ?? [], relations: patch.relations ?? [] })
          await settleLinks(tx, id, { actors: patch.actors ?? [], relations: patch.relations ?? [] }, keyName)
          return findIncident(tx, id)
        }
      }))
    },

    async remove (id: string, keyName: string | null, opts: ChangeOptions = {}) {
      // Live statements linked to it stop listing it in incidentIds: each gets a version and a change,
      // so their ETags and every mirror follow. Statements are locked before the incident (docs/architecture.md).
      const linked = async (tx: Tx) => (await tx.$queryRaw<Array<{ id: string }>>`SELECT s.id::text FROM statement_incidents si
        JOIN statements s ON s.id = si.statement_id WHERE si.incident_id = ${id}::uuid AND s.deleted_at IS NULL`).map((r) => r.id)
      let seen: string[] = []
      return deleteRecord(db, {
        ...incidentEdit(id, keyName, opts),
        async lock (tx) {
          seen = await lockAllLive(tx, 'statement', await linked(tx))
          await lockLive(tx, 'incident', id)
        },
        async check (tx) {
          // Another live incident's relation names this one: removing it would change that incident behind its back.
          const referrers = await rawRows<{ entity: string, id: string }>(tx, Prisma.sql`SELECT DISTINCT 'incident' AS entity, r.from_id::text AS id
            FROM incident_relations r JOIN incidents i ON i.id = r.from_id AND i.deleted_at IS NULL WHERE r.to_id = ${id}::uuid ORDER BY 2 LIMIT 20`)
          if (referrers.length > 0) {
            throw new Problem('conflict', `Incident ${id} is the target of relations from ${referrers.length} live incident(s); remove those relations first`, { referrers })
          }
          // A statement linked while this waited for the incident's lock is locked now, out of order (a deadlock is retried).
          const statementIds = [...new Set([...seen, ...await lockAllLive(tx, 'statement', await linked(tx))])].sort()
          // Its casualty reports have no meaning without it: they go too, each with its own change. Their
          // rows are locked before the change log's lock (docs/architecture.md, "Lock order").
          await lockAllLive(tx, 'casualtyReport', (await tx.casualtyReport.findMany({ where: { incidentId: id, deletedAt: null }, select: { id: true } })).map((r) => r.id))
          const reports = await tx.casualtyReport.findMany({ where: { incidentId: id, deletedAt: null }, include: { sources: { orderBy: { position: 'asc' } } } })
          return { statementIds, statementsBefore: await statementViews(tx, statementIds), reports }
        },
        async then (tx, _before, { statementIds, statementsBefore, reports }) {
          for (const report of reports) await softDelete(tx, 'casualtyReport', report.id, toCasualtyReport(report), keyName)
          if (statementIds.length > 0) await tx.statement.updateMany({ where: { id: { in: statementIds } }, data: bumped() })
          const statementsAfter = await statementViews(tx, statementIds)
          for (const [n, before] of statementsBefore.entries()) {
            const after = statementsAfter[n]
            await recordChange(tx, { entity: 'statement', id: before.id, action: 'updated', version: after.version, before, after, keyName })
          }
        }
      })
    }
  }
}

export interface RelatedRow extends Omit<RelationRow, 'toId'> { id: string, incidentId: string, direction: 'outgoing' | 'incoming', rank: number }

/**
 * One page of the relations an incident takes part in, both directions, with live incidents on the
 * other end. Ordered outgoing first, by kind, then by the other incident's id: `rank` numbers the
 * (direction, kind) groups so the keyset has a number and an id (`id` is the other incident's).
 */
export async function listRelated (pool: pg.Pool, id: string, q: RelatedQuery) {
  const side = (direction: 'outgoing' | 'incoming', other: Prisma.Sql, self: Prisma.Sql, offset: number) => Prisma.sql`
    SELECT ${other} AS other, r.kind, ${direction}::text AS direction, r.asserted_by_id, ${relationStatementsSql} AS statement_ids,
      ${offset} + array_position(enum_range(NULL::"RelationKind"), r.kind) AS rank
    FROM incident_relations r JOIN incidents o ON o.id = ${other} AND o.deleted_at IS NULL WHERE ${self} = ${id}::uuid`
  const related: ListTable<RelatedRow> = {
    select: Prisma.sql`x.other::text AS id, x.other::text AS "incidentId", x.kind, x.direction, x.asserted_by_id::text AS "assertedById",
      x.statement_ids AS "statementIds", x.rank`,
    from: Prisma.sql`(${side('outgoing', Prisma.sql`r.to_id`, Prisma.sql`r.from_id`, 0)}
      UNION ALL ${side('incoming', Prisma.sql`r.from_id`, Prisma.sql`r.to_id`, 10)}) x`,
    id: Prisma.sql`x.other`,
    sorts: { kind: { column: Prisma.sql`x.rank`, kind: 'number', cursorValue: (row) => row.rank } }
  }
  const conditions: Prisma.Sql[] = [Prisma.sql`true`]
  if (q.kind) conditions.push(Prisma.sql`x.kind = ANY(${q.kind}::"RelationKind"[])`)
  if (q.direction) conditions.push(Prisma.sql`x.direction = ${q.direction}`)
  return listPage(pool, related, q, conditions)
}
