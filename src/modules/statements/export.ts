import { Prisma } from '../../generated/prisma/client.ts'
import { columnFields, field, listField, recordTail, type ExportShape } from '../../db/export-sql.ts'
import { loggedIds, type LinksFrom } from '../incidents/export.ts'

export const statementCsvColumns = [
  'id', 'speakerId', 'speakerTitle', 'kind', 'summary', 'quote', 'language', 'channel', 'place', 'originalQuote', 'originalLanguage', 'statedAt', 'datePrecision',
  'incidentIds', 'aboutActorIds', 'respondsToId', 'sourceIds', 'createdAt', 'updatedAt', 'version'
]

const sql = Prisma.sql

/** One of a statement's id lists: from its link table, or from the logged view a snapshot row carries (`s.doc`). */
const ids = (from: LinksFrom, key: string, table: Prisma.Sql, column: string) => from === 'tables'
  ? listField(key, table, sql`l.position`, [field('uuid', 'id', Prisma.raw(`l.${column}`))])
  : listField(key, loggedIds(Prisma.raw(`s.doc->'${key}'`), 'l'), sql`l.position`, [field('uuid', 'id', sql`l.id`)])

/**
 * A statement's view (toStatement in views.ts) as SQL on alias s, for the exports PostgreSQL writes;
 * links from the link tables or the logged view (see incidentExportOf).
 */
export const statementExportOf = (from: LinksFrom): ExportShape => ({
  fields: [
    ...columnFields('s', { id: 'uuid', speakerId: 'uuid', speakerTitle: 'text', kind: 'enum', summary: 'text', quote: 'text', language: 'text' }),
    ...columnFields('s', { channel: 'enum', place: 'text', originalQuote: 'text', originalLanguage: 'text', statedAt: 'time', datePrecision: 'enum' }),
    // Links to deleted incidents are kept (history) but not shown, as statementRowSql does; a logged view lists the live ones.
    ids(from, 'incidentIds', sql`statement_incidents l WHERE l.statement_id = s.id AND EXISTS (SELECT 1 FROM incidents li WHERE li.id = l.incident_id AND li.deleted_at IS NULL)`,
      'incident_id'),
    ids(from, 'aboutActorIds', sql`statement_about_actors l WHERE l.statement_id = s.id`, 'actor_id'),
    field('uuid', 'respondsToId', sql`s.responds_to_id`),
    ids(from, 'sourceIds', sql`statement_sources l WHERE l.statement_id = s.id`, 'source_id'),
    ...recordTail('s')
  ],
  columns: statementCsvColumns
})

export const statementExport = statementExportOf('tables')
