import { Prisma, type Statement, type StatementAboutActor, type StatementIncident, type StatementSource } from '../../generated/prisma/client.ts'
import { notFound } from '../../http/problems.ts'
import { iso } from '../../http/schemas.ts'
import { modelColumns, rawRows, type Reader } from '../../db/rows.ts'
import type { StatementSummary } from './summary.ts'

export type StatementRow = Statement & {
  incidents: Array<Pick<StatementIncident, 'incidentId'>>
  aboutActors: Array<Pick<StatementAboutActor, 'actorId'>>
  sources: Array<Pick<StatementSource, 'sourceId'>>
}

const statementFields = ['id', 'speakerId', 'speakerTitle', 'kind', 'summary', 'quote', 'language', 'statedAt', 'datePrecision', 'respondsToId',
  'createdAt', 'updatedAt', 'version', 'deletedAt'] as const satisfies ReadonlyArray<keyof Statement>

/**
 * A statement row with its links, in one SELECT (alias s): the shape of StatementRow. Links to deleted
 * incidents are kept (history) but not shown.
 */
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
export async function loadIncidentStatements (on: Reader, incidentIds: string[]) {
  if (incidentIds.length === 0) return []
  const rows = await rawRows<StatementRow>(on, Prisma.sql`SELECT ${statementRowSql} FROM statements s
    WHERE s.deleted_at IS NULL AND s.id IN (SELECT l.statement_id FROM statement_incidents l WHERE l.incident_id = ANY(${incidentIds}::uuid[]))
    ORDER BY s.stated_at, s.id`)
  return rows.map(toStatement)
}

export const loadStatementRows = (on: Reader, ids: string[]) => ids.length === 0
  ? Promise.resolve([])
  : rawRows<StatementRow>(on, Prisma.sql`SELECT ${statementRowSql} FROM statements s WHERE s.id = ANY(${ids}::uuid[]) AND s.deleted_at IS NULL`)

/** A live statement with its links, on the pool or inside a write's transaction, as findIncident. */
export async function findStatement (on: Reader, id: string): Promise<StatementRow> {
  const [row] = await loadStatementRows(on, [id])
  if (!row) throw notFound('Statement', id)
  return row
}
