import type pg from 'pg'
import { uuidv7 } from 'uuidv7'
import { Prisma, type Statement, type StatementAboutActor, type StatementIncident, type StatementSource } from '../../generated/prisma/client.ts'
import type { Db, DbOrTx, Tx } from '../../plugins/database.ts'
import { decodeCursor, encodeCursor, sortSpec, type SortFields } from '../../http/list.ts'
import { Problem, notFound, validationProblem } from '../../http/problems.ts'
import { iso } from '../../http/schemas.ts'
import { assertReferencesExist, type Reference } from '../../db/references.ts'
import { lockAllLive, lockLive } from '../../db/locks.ts'
import { keysetPage } from '../../db/keyset.ts'
import { modelColumns, rawRows } from '../../db/rows.ts'
import { writeTransaction, type ChangeOptions } from '../../db/transaction.ts'
import { recordChange } from '../changes/repository.ts'
import { loadActorViews } from '../actors/repository.ts'
import { loadSourceViews } from '../sources/repository.ts'
import { refreshIncidentDerived } from '../casualties/derived.ts'
import { expandIncidents, loadIncidentRows } from '../incidents/repository.ts'
import { statementConditions } from './filters.ts'
import type { CreateStatement, PatchStatement, StatementFilters, StatementListQuery, StatementView, statementIncludes } from './schemas.ts'
import type { StatementSummary } from './summary.ts'

export type StatementRow = Statement & {
  incidents: Array<Pick<StatementIncident, 'incidentId'>>
  aboutActors: Array<Pick<StatementAboutActor, 'actorId'>>
  sources: Array<Pick<StatementSource, 'sourceId'>>
}
export type StatementInclude = typeof statementIncludes[number]

// Links to deleted incidents are kept (history) but not shown.
export const statementRelations = {
  incidents: { where: { incident: { deletedAt: null } }, orderBy: { position: 'asc' } },
  aboutActors: { orderBy: { position: 'asc' } },
  sources: { orderBy: { position: 'asc' } }
} as const satisfies Prisma.StatementInclude

const statementFields = ['id', 'speakerId', 'speakerTitle', 'kind', 'summary', 'quote', 'language', 'statedAt', 'datePrecision', 'respondsToId',
  'createdAt', 'updatedAt', 'version', 'deletedAt'] as const satisfies ReadonlyArray<keyof Statement>

/** A statement row with its links, in one SELECT (alias s): the shape of StatementRow. */
export const statementRowSql = Prisma.sql`${modelColumns('s', statementFields)},
  coalesce((SELECT json_agg(json_build_object('incidentId', si.incident_id) ORDER BY si.position) FROM statement_incidents si
    WHERE si.statement_id = s.id AND EXISTS (SELECT 1 FROM incidents li WHERE li.id = si.incident_id AND li.deleted_at IS NULL)), '[]') AS incidents,
  coalesce((SELECT json_agg(json_build_object('actorId', sa.actor_id) ORDER BY sa.position) FROM statement_about_actors sa
    WHERE sa.statement_id = s.id), '[]') AS "aboutActors",
  coalesce((SELECT json_agg(json_build_object('sourceId', ss.source_id) ORDER BY ss.position) FROM statement_sources ss
    WHERE ss.statement_id = s.id), '[]') AS sources`

const sortFields: SortFields = { statedAt: { kind: 'date' }, updatedAt: { kind: 'date' } }
const sortColumns = { statedAt: Prisma.sql`s.stated_at`, updatedAt: Prisma.sql`s.updated_at` }

export function toStatement (s: StatementRow): StatementSummary {
  return {
    id: s.id,
    speakerId: s.speakerId,
    speakerTitle: s.speakerTitle,
    kind: s.kind,
    summary: s.summary,
    quote: s.quote,
    language: s.language,
    statedAt: iso(s.statedAt),
    datePrecision: s.datePrecision,
    incidentIds: s.incidents.map((l) => l.incidentId),
    aboutActorIds: s.aboutActors.map((l) => l.actorId),
    respondsToId: s.respondsToId,
    sourceIds: s.sources.map((l) => l.sourceId),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    version: s.version
  }
}

/** Live statements linked to these incidents, oldest first, in one query. */
export async function loadIncidentStatements (pool: pg.Pool, incidentIds: string[]) {
  if (incidentIds.length === 0) return []
  const rows = await rawRows<StatementRow>(pool, Prisma.sql`SELECT ${statementRowSql} FROM statements s
    WHERE s.deleted_at IS NULL AND s.id IN (SELECT l.statement_id FROM statement_incidents l WHERE l.incident_id = ANY(${incidentIds}::uuid[]))
    ORDER BY s.stated_at, s.id`)
  return rows.map(toStatement)
}

const loadStatementRows = (pool: pg.Pool, ids: string[]) => ids.length === 0
  ? Promise.resolve([])
  : rawRows<StatementRow>(pool, Prisma.sql`SELECT ${statementRowSql} FROM statements s WHERE s.id = ANY(${ids}::uuid[]) AND s.deleted_at IS NULL`)

export async function findStatement (db: DbOrTx, id: string): Promise<StatementRow> {
  // One relation per query, one after the other, as in findIncident (an include of several relations
  // sends them at once on a transaction's one connection).
  const row = await db.statement.findFirst({ where: { id, deletedAt: null }, include: { incidents: statementRelations.incidents } })
  if (!row) throw notFound('Statement', id)
  const aboutActors = await db.statementAboutActor.findMany({ where: { statementId: id }, ...statementRelations.aboutActors })
  const sources = await db.statementSource.findMany({ where: { statementId: id }, ...statementRelations.sources })
  return { ...row, aboutActors, sources }
}

/** Expands the requested relations for a whole page: one query per relation, never per row. */
export async function expandStatements (pool: pg.Pool, rows: StatementRow[], include: StatementInclude[] = []): Promise<StatementView[]> {
  const views: StatementView[] = rows.map(toStatement)
  if (include.length === 0 || rows.length === 0) return views
  const wants = (i: StatementInclude) => include.includes(i)
  // One query per relation, all at once.
  const [actors, sources, incidents, answered] = await Promise.all([
    wants('speaker') || wants('aboutActors') ? loadActorViews(pool, views.flatMap((v) => [v.speakerId, ...v.aboutActorIds])) : undefined,
    wants('sources') ? loadSourceViews(pool, views.flatMap((v) => v.sourceIds)) : undefined,
    wants('incidents')
      ? loadIncidentRows(pool, [...new Set(views.flatMap((v) => v.incidentIds))])
        .then((found) => expandIncidents(pool, found)).then((expanded) => new Map(expanded.map((i) => [i.id, i])))
      : undefined,
    wants('respondsTo')
      ? loadStatementRows(pool, [...new Set(views.flatMap((v) => (v.respondsToId ? [v.respondsToId] : [])))]).then((found) => new Map(found.map((r) => [r.id, toStatement(r)])))
      : undefined
  ])
  for (const v of views) {
    if (wants('speaker')) v.speaker = actors!.get(v.speakerId)!
    if (wants('aboutActors')) v.aboutActors = v.aboutActorIds.map((id) => actors!.get(id)!)
    if (sources) v.sources = v.sourceIds.map((id) => sources.get(id)!)
    if (incidents) v.incidents = v.incidentIds.map((id) => incidents.get(id)!).filter(Boolean)
    if (answered) v.respondsTo = v.respondsToId ? answered.get(v.respondsToId) ?? null : null
  }
  return views
}

type StatementInput = CreateStatement

export const statementReferences = (input: StatementInput): Reference[] => [
  { kind: 'actor', id: input.speakerId, path: 'speakerId' },
  ...input.incidentIds.map((id, n) => ({ kind: 'incident' as const, id, path: `incidentIds.${n}` })),
  ...input.aboutActorIds.map((id, n) => ({ kind: 'actor' as const, id, path: `aboutActorIds.${n}` })),
  ...input.sourceIds.map((id, n) => ({ kind: 'source' as const, id, path: `sourceIds.${n}` })),
  ...(input.respondsToId ? [{ kind: 'statement' as const, id: input.respondsToId, path: 'respondsToId' }] : [])
]

/** `refreshed`: incidents whose contested flag the write recomputes, locked for update at their turn. */
async function validateStatement (tx: Tx, input: StatementInput, selfId: string | null, refreshed: string[]) {
  if (input.respondsToId && input.respondsToId === selfId) {
    throw validationProblem([{ in: 'body', path: 'respondsToId', message: 'a statement cannot respond to itself' }])
  }
  await assertReferencesExist(tx, statementReferences(input), { forUpdate: { incident: refreshed } })
  if (input.respondsToId && selfId) {
    const chain = await tx.$queryRaw<Array<{ id: string }>>`
      WITH RECURSIVE up(id, responds_to_id, depth) AS (
        SELECT id, responds_to_id, 0 FROM statements WHERE id = ${input.respondsToId}::uuid
        UNION ALL SELECT s.id, s.responds_to_id, up.depth + 1 FROM statements s JOIN up ON s.id = up.responds_to_id WHERE up.depth < 100)
      SELECT id::text FROM up`
    if (chain.some((r) => r.id === selfId)) throw validationProblem([{ in: 'body', path: 'respondsToId', message: 'the responses would form a cycle' }])
  }
}

async function writeLinks (tx: Tx, id: string, input: Partial<Pick<StatementInput, 'incidentIds' | 'aboutActorIds' | 'sourceIds'>>) {
  if (input.incidentIds) await tx.statementIncident.createMany({ data: [...new Set(input.incidentIds)].map((incidentId, position) => ({ statementId: id, incidentId, position })) })
  if (input.aboutActorIds) await tx.statementAboutActor.createMany({ data: [...new Set(input.aboutActorIds)].map((actorId, position) => ({ statementId: id, actorId, position })) })
  if (input.sourceIds) await tx.statementSource.createMany({ data: [...new Set(input.sourceIds)].map((sourceId, position) => ({ statementId: id, sourceId, position })) })
}

/** Incidents whose contested flag may change: those a denial is linked to, before or after the write. */
export function denialIncidents (...states: Array<Pick<StatementSummary, 'kind' | 'incidentIds'> | null>) {
  return [...new Set(states.flatMap((s) => (s && s.kind === 'denial' ? s.incidentIds : [])))].sort()
}

/** The incidents were locked before the change log's lock (docs/architecture.md, "Lock order"); here they are only checked live. */
async function refreshIncidents (tx: Tx, incidentIds: string[], keyName: string | null) {
  for (const id of incidentIds) {
    if (await lockLive(tx, 'incident', id)) await refreshIncidentDerived(tx, id, keyName)
  }
}

/** The statement's own columns (not its links). */
export function statementColumns (input: StatementInput) {
  return {
    speakerId: input.speakerId,
    speakerTitle: input.speakerTitle,
    kind: input.kind,
    summary: input.summary,
    quote: input.quote,
    language: input.language,
    statedAt: new Date(input.statedAt),
    datePrecision: input.datePrecision,
    respondsToId: input.respondsToId
  }
}

export async function getStatement (pool: pg.Pool, id: string) {
  const [row] = await loadStatementRows(pool, [id])
  if (!row) throw notFound('Statement', id)
  return row
}

/** One page in the list's keyset order, plus the exact total when asked. */
export async function listStatements (pool: pg.Pool, q: Omit<StatementListQuery, 'include' | 'format'>) {
  const spec = sortSpec(q.sort, sortFields)
  const { rows, total } = await keysetPage<StatementRow>(pool, {
    select: statementRowSql,
    from: Prisma.sql`statements s`,
    column: sortColumns[spec.field as keyof typeof sortColumns],
    id: Prisma.sql`s.id`,
    spec,
    after: q.cursor ? decodeCursor(q.cursor, q.sort, spec) : undefined,
    conditions: statementConditions(q as StatementFilters),
    limit: q.limit,
    includeTotal: q.includeTotal
  })
  const cursorOf = (row: Statement) => encodeCursor(q.sort, iso(spec.field === 'updatedAt' ? row.updatedAt : row.statedAt), row.id)
  return { rows, total, cursorOf }
}

export function createStatementRepository (db: Db) {
  return {
    async create (input: CreateStatement, keyName: string | null) {
      return writeTransaction(db, async (tx) => {
        const denied = denialIncidents(input)
        await validateStatement(tx, input, null, denied)
        const id = uuidv7()
        await tx.statement.create({ data: { id, ...statementColumns(input) } })
        await writeLinks(tx, id, input)
        const row = await findStatement(tx, id)
        await recordChange(tx, { entity: 'statement', id, action: 'created', version: 1, before: null, after: toStatement(row), keyName })
        await refreshIncidents(tx, denied, keyName)
        return row
      })
    },

    async patch (id: string, patch: PatchStatement, keyName: string | null, opts: ChangeOptions = {}) {
      return writeTransaction(db, async (tx) => {
        if (!(await lockLive(tx, 'statement', id))) throw notFound('Statement', id)
        const before = toStatement(await findStatement(tx, id))
        opts.expect?.(before.version)
        const merged: StatementInput = {
          speakerId: patch.speakerId ?? before.speakerId,
          speakerTitle: patch.speakerTitle === undefined ? before.speakerTitle : patch.speakerTitle,
          kind: patch.kind ?? before.kind,
          summary: patch.summary ?? before.summary,
          quote: patch.quote === undefined ? before.quote : patch.quote,
          language: patch.language ?? before.language,
          statedAt: patch.statedAt ?? before.statedAt,
          datePrecision: patch.datePrecision ?? before.datePrecision,
          incidentIds: patch.incidentIds ?? before.incidentIds,
          aboutActorIds: patch.aboutActorIds ?? before.aboutActorIds,
          respondsToId: patch.respondsToId === undefined ? before.respondsToId : patch.respondsToId,
          sourceIds: patch.sourceIds ?? before.sourceIds
        }
        await validateStatement(tx, merged, id, denialIncidents(before, merged))
        await tx.statement.update({ where: { id }, data: { ...statementColumns(merged), version: { increment: 1 }, updatedAt: new Date() } })
        if (patch.incidentIds) await tx.statementIncident.deleteMany({ where: { statementId: id } })
        if (patch.aboutActorIds) await tx.statementAboutActor.deleteMany({ where: { statementId: id } })
        if (patch.sourceIds) await tx.statementSource.deleteMany({ where: { statementId: id } })
        await writeLinks(tx, id, { incidentIds: patch.incidentIds, aboutActorIds: patch.aboutActorIds, sourceIds: patch.sourceIds })
        const row = await findStatement(tx, id)
        const after = toStatement(row)
        await recordChange(tx, { entity: 'statement', id, action: 'updated', version: row.version, before, after, keyName })
        await refreshIncidents(tx, denialIncidents(before, after), keyName)
        return row
      })
    },

    async remove (id: string, keyName: string | null, opts: ChangeOptions = {}) {
      return writeTransaction(db, async (tx) => {
        if (!(await lockLive(tx, 'statement', id))) throw notFound('Statement', id)
        opts.expect?.((await findStatement(tx, id)).version)
        const responses = await tx.statement.findMany({ where: { respondsToId: id, deletedAt: null }, select: { id: true }, take: 20 })
        if (responses.length > 0) {
          throw new Problem('conflict', `Statement ${id} is answered by ${responses.length} live statement(s); unlink or delete them first`,
            { referrers: responses.map((r) => ({ entity: 'statement', id: r.id })) })
        }
        const before = toStatement(await findStatement(tx, id))
        await lockAllLive(tx, 'incident', denialIncidents(before))
        const row = await tx.statement.update({ where: { id }, data: { deletedAt: new Date(), version: { increment: 1 }, updatedAt: new Date() } })
        await recordChange(tx, { entity: 'statement', id, action: 'deleted', version: row.version, before, after: null, keyName })
        await refreshIncidents(tx, denialIncidents(before), keyName)
      })
    }
  }
}
