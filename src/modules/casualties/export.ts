import { Prisma } from '../../generated/prisma/client.ts'
import { arrayColumn, columnFields, field, listField, recordTail, type ExportShape } from '../../db/export-sql.ts'
import { loggedIds, type LinksFrom } from '../incidents/export.ts'

// CSV columns of the casualty ledger: every field of a report; sourceIds and groups joined with ";".
export const casualtyCsvColumns = [
  'id', 'incidentId', 'reportedById', 'affectedActorId', 'category', 'min', 'max', 'qualifier', 'phrase', 'groups', 'note',
  'sourceIds', 'reportedAt', 'createdAt', 'updatedAt', 'version'
]

const sql = Prisma.sql

/** A casualty report's view (toCasualtyReport in views.ts) as SQL on alias r; its sources from their table or the logged view (see incidentExportOf). */
export const casualtyExportOf = (from: LinksFrom): ExportShape => ({
  fields: [
    ...columnFields('r', { id: 'uuid', incidentId: 'uuid', reportedById: 'uuid', affectedActorId: 'uuid' }),
    from === 'tables'
      ? listField('sourceIds', sql`casualty_report_sources rs WHERE rs.casualty_report_id = r.id`, sql`rs.position`, [field('uuid', 'sourceId', sql`rs.source_id`)])
      : listField('sourceIds', loggedIds(sql`r.doc->'sourceIds'`, 'rs'), sql`rs.position`, [field('uuid', 'sourceId', sql`rs.id`)]),
    ...columnFields('r', { category: 'enum', min: 'int', max: 'int', qualifier: 'enum', phrase: 'text' }),
    arrayColumn('groups', sql`r.groups`),
    ...columnFields('r', { note: 'text', reportedAt: 'time' }),
    ...recordTail('r')
  ],
  columns: casualtyCsvColumns
})

export const casualtyExport = casualtyExportOf('tables')
