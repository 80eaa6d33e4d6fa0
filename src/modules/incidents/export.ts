import { Prisma } from '../../generated/prisma/client.ts'
import { arrayColumn, columnFields, field, listField, lookupSql, recordTail, type ExportShape } from '../../db/export-sql.ts'
import { acledCrosswalk, type AcledCategory } from './acled.ts'
import type { IncidentView } from './schemas.ts'

// CSV columns: every flat field of an incident, nested ones dotted, including the ACLED cross-walk.
export const incidentCsvColumns = [
  'id', 'type', 'title', 'summary', 'status', 'occurredAt', 'endedAt', 'datePrecision', 'countryCodes',
  'location.name', 'location.admin1', 'location.countryCode', 'location.lat', 'location.lon', 'location.precision',
  'actors', 'tags', 'sourceIds', 'relations', 'fatalities.low', 'fatalities.best', 'fatalities.high', 'contested',
  'externalIds.acled', 'externalIds.ucdp', 'externalIds.gdelt', 'acled.disorderType', 'acled.eventType', 'acled.subEventType', 'createdAt', 'updatedAt', 'version'
]

export const incidentPoint = (i: IncidentView): [number, number] | null => (i.location ? [i.location.lon, i.location.lat] : null)

const sql = Prisma.sql

/**
 * Where an export reads an incident's links: its link tables, or (`log`) the logged view in `i.doc`
 * that a snapshot row carries (src/modules/changes/snapshots.ts): looking links up in a snapshot's
 * link CTEs, which have no index, scanned them once per incident.
 */
export type LinksFrom = 'tables' | 'log'

/** The ids in a logged view's array `path` (alias, ids as `id`, `position`); alias.path is SQL on the row. */
export const loggedIds = (array: Prisma.Sql, alias: string) =>
  sql`jsonb_array_elements_text(coalesce(${array}, '[]')) WITH ORDINALITY AS ${Prisma.raw(alias)}(id, position)`

/** An incident's actors as toIncident lists them: extend their items here alone. */
export const incidentActorsField = (from: LinksFrom = 'tables') => listField('actors', from === 'tables'
  ? sql`incident_actors ia WHERE ia.incident_id = i.id`
  : sql`(SELECT (e.v->>'actorId')::uuid AS actor_id, (e.v->>'role')::"ActorRole" AS role, coalesce(e.v->>'attribution', 'confirmed')::"ActorAttribution" AS attribution,
      (e.v->>'assertedById')::uuid AS asserted_by_id, coalesce((e.v->>'disputed')::boolean, false) AS disputed, e.v->'statementIds' AS statement_ids, e.n AS position
      FROM jsonb_array_elements(coalesce(i.doc->'actors', '[]')) WITH ORDINALITY AS e(v, n)) ia`, sql`ia.position`, [
  field('uuid', 'actorId', sql`ia.actor_id`), field('enum', 'role', sql`ia.role`), field('enum', 'attribution', sql`ia.attribution`),
  field('uuid', 'assertedById', sql`ia.asserted_by_id`),
  from === 'tables'
    ? listField('statementIds', sql`incident_actor_statements ias WHERE ias.incident_actor_id = ia.id`, sql`ias.position`, [field('uuid', 'statementId', sql`ias.statement_id`)])
    : listField('statementIds', loggedIds(sql`ia.statement_ids`, 'ias'), sql`ias.position`, [field('uuid', 'statementId', sql`ias.id`)]),
  field('bool', 'disputed', sql`ia.disputed`)
])

const relationStatementIds = (from: LinksFrom) => from === 'tables'
  ? listField('statementIds',
    sql`incident_relation_statements rs WHERE rs.from_id = r.from_id AND rs.to_id = r.to_id AND rs.kind = r.kind`, sql`rs.position`,
    [field('uuid', 'statementId', sql`rs.statement_id`)])
  : listField('statementIds', loggedIds(sql`r.statement_ids`, 'rs'), sql`rs.position`, [field('uuid', 'statementId', sql`rs.id`)])

const relationRows = (from: LinksFrom) => from === 'tables'
  ? sql`incident_relations r WHERE r.from_id = i.id`
  : sql`(SELECT (e.v->>'incidentId')::uuid AS to_id, (e.v->>'kind')::"RelationKind" AS kind, (e.v->>'assertedById')::uuid AS asserted_by_id,
      e.v->'statementIds' AS statement_ids, e.n AS position FROM jsonb_array_elements(coalesce(i.doc->'relations', '[]')) WITH ORDINALITY AS e(v, n)) r`

const acled = (key: keyof AcledCategory) => field('text', key, lookupSql(sql`i.type`, Object.fromEntries(Object.entries(acledCrosswalk).map(([t, c]) => [t, c[key]]))))

/**
 * An incident's view (toIncident in views.ts) as SQL on alias i: the one place PostgreSQL learns its
 * fields, from which it writes the NDJSON line, the CSV cells and the GeoJSON feature.
 */
export const incidentExportOf = (from: LinksFrom): ExportShape => ({
  fields: [
    ...columnFields('i', { id: 'uuid', type: 'enum', title: 'text', summary: 'text', status: 'enum', occurredAt: 'time', endedAt: 'time', datePrecision: 'enum' }),
    arrayColumn('countryCodes', sql`i.country_codes`),
    {
      key: 'location',
      kind: 'object',
      nullWhen: sql`i.lat IS NULL OR i.lon IS NULL`,
      fields: [field('text', 'name', sql`i.location_name`), field('text', 'admin1', sql`i.location_admin1`), field('text', 'countryCode', sql`i.location_country`),
        field('float', 'lat', sql`i.lat`), field('float', 'lon', sql`i.lon`), field('enum', 'precision', sql`i.location_precision`)]
    },
    incidentActorsField(from),
    arrayColumn('tags', sql`i.tags`),
    from === 'tables'
      ? listField('sourceIds', sql`incident_sources src WHERE src.incident_id = i.id`, sql`src.position`, [field('uuid', 'sourceId', sql`src.source_id`)])
      : listField('sourceIds', loggedIds(sql`i.doc->'sourceIds'`, 'src'), sql`src.position`, [field('uuid', 'sourceId', sql`src.id`)]),
    listField('relations', relationRows(from), sql`r.position`,
      [field('uuid', 'incidentId', sql`r.to_id`), field('enum', 'kind', sql`r.kind`), field('uuid', 'assertedById', sql`r.asserted_by_id`), relationStatementIds(from)]),
    {
      key: 'fatalities',
      kind: 'object',
      nullWhen: sql`i.fatalities_best IS NULL`,
      fields: [field('int', 'low', sql`i.fatalities_low`), field('int', 'best', sql`i.fatalities_best`), field('int', 'high', sql`i.fatalities_high`)]
    },
    ...columnFields('i', { contested: 'bool' }),
    {
      key: 'externalIds',
      kind: 'object',
      omitNull: true,
      fields: [field('text', 'acled', sql`i.acled_event_id`), field('text', 'ucdp', sql`i.ucdp_ged_id`), field('text', 'gdelt', sql`i.gdelt_event_id`)]
    },
    { key: 'acled', kind: 'object', fields: [acled('disorderType'), acled('eventType'), acled('subEventType')] },
    ...recordTail('i')
  ],
  columns: incidentCsvColumns,
  point: { id: sql`i.id`, lon: sql`i.lon`, lat: sql`i.lat`, omit: 'location' }
})

/** The export of the incident tables. */
export const incidentExport = incidentExportOf('tables')
