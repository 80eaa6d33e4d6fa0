import type pg from 'pg'
import { Prisma, type Statement, type StatementAboutActor, type StatementIncident, type StatementSource } from '../../generated/prisma/client.ts'
import type { DbOrTx } from '../../db/client.ts'
import { notFound } from '../../http/problems.ts'
import { iso } from '../../http/schemas.ts'
import { modelColumns, rawRows } from '../../db/rows.ts'
import type { StatementSummary } from './summary.ts'

export type StatementRow = Statement & {
  incidents: Array<Pick<StatementIncident, 'incidentId'>>
  aboutActors: Array<Pick<StatementAboutActor, 'actorId'>>
  sources: Array<Pick<StatementSource, 'sourceId'>>
}

// Links to deleted incidents are kept (history) but not shown.
export const statementRelations = {
  incidents: { where: { incident: { deletedAt: null } }, orderBy: { position: 'asc' } },
  aboutActors: { orderBy: { position: 'asc' } },
  sources: { orderBy: { position: 'asc' } }
} as const satisfies Prisma.StatementInclude

const statementFields = ['id', 'speakerId', 'speakerTitle', 'kind', 'summary', 'quote', 'language', 'channel', 'place', 'originalQuote', 'originalLanguage',
  'statedAt', 'datePrecision', 'respondsToId',
  'createdAt', 'updatedAt', 'version', 'deletedAt'] as const satisfies ReadonlyArray<keyof Statement>

/** A statement row with its links, in one SELECT (alias s): the shape of StatementRow. */
export const statementRowSql = Prisma.sql`${modelColumns('s', statementFields)},
  coalesce((SELECT json_agg(json_build_object('incidentId', si.incident_id) ORDER BY si.position) FROM statement_incidents si
    WHERE si.statement_id = s.id AND EXISTS (SELECT 1 FROM incidents li WHERE li.id = si.incident_id AND li.deleted_at IS NULL)), '[]') AS incidents,
  coalesce((SELECT json_agg(json_build_object('actorId', sa.actor_id) ORDER BY sa.position) FROM statement_about_actors sa
    WHERE sa.statement_id = s.id), '[]') AS "aboutActors",
  coalesce((SELECT json_agg(json_build_object('sourceId', ss.source_id) ORDER BY ss.position) FROM statement_sources ss
    WHERE ss.statement_id = s.id), '[]') AS sources`

export function toStatement (s: StatementRow): StatementSummary {
  return {
    id: s.id,
    speakerId: s.speakerId,
    speakerTitle: s.speakerTitle,
    kind: s.kind,
    summary: s.summary,
    quote: s.quote,
    language: s.language,
    channel: s.channel,
    place: s.place,
    originalQuote: s.originalQuote,
    originalLanguage: s.originalLanguage,
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

export const loadStatementRows = (pool: pg.Pool, ids: string[]) => ids.length === 0
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

export async function getStatement (pool: pg.Pool, id: string) {
  const [row] = await loadStatementRows(pool, [id])
  if (!row) throw notFound('Statement', id)
  return row
}
