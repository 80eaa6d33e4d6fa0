import { Prisma } from '../../generated/prisma/client.ts'
import { arrayColumn, columnFields, field, listField, recordTail, type ExportShape } from '../../db/export-sql.ts'

// CSV columns of the casualty ledger: every field of a report; sourceIds and groups joined with ";".
export const casualtyCsvColumns = [
  'id', 'incidentId', 'reportedById', 'affectedActorId', 'category', 'min', 'max', 'qualifier', 'phrase', 'groups', 'note',
  'sourceIds', 'reportedAt', 'createdAt', 'updatedAt', 'version'
]

const sql = Prisma.sql

/** A casualty report's view (toCasualtyReport in views.ts) as SQL on alias r, for the exports PostgreSQL writes. */
export const casualtyExport: ExportShape = {
  fields: [
    ...columnFields('r', { id: 'uuid', incidentId: 'uuid', reportedById: 'uuid', affectedActorId: 'uuid' }),
    listField('sourceIds', sql`casualty_report_sources rs WHERE rs.casualty_report_id = r.id`, sql`rs.position`, [field('uuid', 'sourceId', sql`rs.source_id`)]),
    ...columnFields('r', { category: 'enum', min: 'int', max: 'int', qualifier: 'enum', phrase: 'text' }),
    arrayColumn('groups', sql`r.groups`),
    ...columnFields('r', { note: 'text', reportedAt: 'time' }),
    ...recordTail('r')
  ],
  columns: casualtyCsvColumns
}
