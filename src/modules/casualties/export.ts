import { Prisma } from '../../generated/prisma/client.ts'
import { arrayColumn, field, listField, type ExportShape } from '../../db/export-sql.ts'

// CSV columns of the casualty ledger: every field of a report; sourceIds and groups joined with ";".
export const casualtyCsvColumns = [
  'id', 'incidentId', 'reportedById', 'affectedActorId', 'category', 'min', 'max', 'qualifier', 'phrase', 'groups', 'note',
  'sourceIds', 'reportedAt', 'createdAt', 'updatedAt', 'version'
]

const sql = Prisma.sql

/** A casualty report's view (toCasualtyReport in views.ts) as SQL on alias r, for the exports PostgreSQL writes. */
export const casualtyExport: ExportShape = {
  fields: [
    field('uuid', 'id', sql`r.id`),
    field('uuid', 'incidentId', sql`r.incident_id`),
    field('uuid', 'reportedById', sql`r.reported_by_id`),
    field('uuid', 'affectedActorId', sql`r.affected_actor_id`),
    listField('sourceIds', sql`casualty_report_sources rs WHERE rs.casualty_report_id = r.id`, sql`rs.position`, [field('uuid', 'sourceId', sql`rs.source_id`)]),
    field('enum', 'category', sql`r.category`),
    field('int', 'min', sql`r.min`),
    field('int', 'max', sql`r.max`),
    field('enum', 'qualifier', sql`r.qualifier`),
    field('text', 'phrase', sql`r.phrase`),
    arrayColumn('groups', sql`r.groups`),
    field('text', 'note', sql`r.note`),
    field('time', 'reportedAt', sql`r.reported_at`),
    field('time', 'createdAt', sql`r.created_at`),
    field('time', 'updatedAt', sql`r.updated_at`),
    field('int', 'version', sql`r.version`)
  ],
  columns: casualtyCsvColumns
}
