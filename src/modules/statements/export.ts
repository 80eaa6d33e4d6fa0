import { Prisma } from '../../generated/prisma/client.ts'
import { columnFields, field, listField, recordTail, type ExportShape } from '../../db/export-sql.ts'

export const statementCsvColumns = [
  'id', 'speakerId', 'speakerTitle', 'kind', 'summary', 'quote', 'language', 'channel', 'place', 'originalQuote', 'originalLanguage', 'statedAt', 'datePrecision',
  'incidentIds', 'aboutActorIds', 'respondsToId', 'sourceIds', 'createdAt', 'updatedAt', 'version'
]

const sql = Prisma.sql

/** A statement's view (toStatement in views.ts) as SQL on alias s, for the exports PostgreSQL writes. */
export const statementExport: ExportShape = {
  fields: [
    ...columnFields('s', { id: 'uuid', speakerId: 'uuid', speakerTitle: 'text', kind: 'enum', summary: 'text', quote: 'text', language: 'text' }),
    ...columnFields('s', { channel: 'enum', place: 'text', originalQuote: 'text', originalLanguage: 'text', statedAt: 'time', datePrecision: 'enum' }),
    // Links to deleted incidents are kept (history) but not shown, as statementRowSql does.
    listField('incidentIds', sql`statement_incidents si WHERE si.statement_id = s.id AND EXISTS (SELECT 1 FROM incidents li WHERE li.id = si.incident_id AND li.deleted_at IS NULL)`,
      sql`si.position`, [field('uuid', 'incidentId', sql`si.incident_id`)]),
    listField('aboutActorIds', sql`statement_about_actors sa WHERE sa.statement_id = s.id`, sql`sa.position`, [field('uuid', 'actorId', sql`sa.actor_id`)]),
    field('uuid', 'respondsToId', sql`s.responds_to_id`),
    listField('sourceIds', sql`statement_sources ss WHERE ss.statement_id = s.id`, sql`ss.position`, [field('uuid', 'sourceId', sql`ss.source_id`)]),
    ...recordTail('s')
  ],
  columns: statementCsvColumns
}
