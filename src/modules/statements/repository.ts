import type pg from 'pg'
import { uuidv7 } from 'uuidv7'
import { Prisma, type Statement } from '../../generated/prisma/client.ts'
import type { Db, Tx } from '../../db/client.ts'
import { decodeCursor, encodeCursor } from '../../http/cursor.ts'
import { Problem, notFound, validationProblem } from '../../http/problems.ts'
import { iso } from '../../http/schemas.ts'
import { assertReferencesExist, type Reference } from '../../db/references.ts'
import { lockAllLive, lockLive } from '../../db/locks.ts'
import { keysetPage, sortSpec, type SortFields } from '../../db/keyset.ts'
import { writeTransaction, type ChangeOptions } from '../../db/transaction.ts'
import { recordChange } from '../changes/repository.ts'
import { refreshIncidentDerived } from '../casualties/derived.ts'
import { findStatement, statementRowSql, toStatement, type StatementRow } from './views.ts'
import { statementConditions } from './filters.ts'
import type { CreateStatement, PatchStatement, StatementFilters, StatementListQuery } from './schemas.ts'
import type { StatementSummary } from './summary.ts'

const sortFields: SortFields = { statedAt: { kind: 'date' }, updatedAt: { kind: 'date' } }
const sortColumns = { statedAt: Prisma.sql`s.stated_at`, updatedAt: Prisma.sql`s.updated_at` }

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
