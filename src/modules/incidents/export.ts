import { Prisma } from '../../generated/prisma/client.ts'
import { arrayColumn, columnFields, field, listField, lookupField, recordTail, storedListField, type ExportShape } from '../../db/export-sql.ts'
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
 * Where an export reads an incident's links: its row's export columns (`tables`: actors_json and
 * actors_flat, source_ids_…, relations_…, which migration l_incident_export_links generates from the
 * link columns the triggers of k_incident_links keep), or (`log`) the logged view in `i.doc` that a
 * snapshot row carries (src/modules/changes/snapshots.ts).
 */
export type LinksFrom = 'tables' | 'log'

/** The ids in a logged view's array `path` (alias, ids as `id`, `position`); alias.path is SQL on the row. */
export const loggedIds = (array: Prisma.Sql, alias: string) =>
  sql`jsonb_array_elements_text(coalesce(${array}, '[]')) WITH ORDINALITY AS ${Prisma.raw(alias)}(id, position)`

// The row's lists as the export prints them, spliced in as they are: parsing the link columns and
// writing their text again was half of an export's time (bench/export-sql.ts).
const stored = (key: string, column: string) => storedListField(key, Prisma.raw(`i.${column}_json`), Prisma.raw(`i.${column}_flat`))

/** An incident's actors as toIncident lists them: extend their items here and in migration l_incident_export_links. */
export const incidentActorsField = (from: LinksFrom = 'tables') => from === 'tables'
  ? stored('actors', 'actors')
  : listField('actors', sql`(SELECT (e.v->>'actorId')::uuid AS actor_id, (e.v->>'role')::"ActorRole" AS role, coalesce(e.v->>'attribution', 'confirmed')::"ActorAttribution" AS attribution,
      (e.v->>'assertedById')::uuid AS asserted_by_id, coalesce((e.v->>'disputed')::boolean, false) AS disputed, e.v->'statementIds' AS statement_ids, e.n AS position
      FROM jsonb_array_elements(coalesce(i.doc->'actors', '[]')) WITH ORDINALITY AS e(v, n)) ia`, sql`ia.position`, [
    field('uuid', 'actorId', sql`ia.actor_id`), field('enum', 'role', sql`ia.role`), field('enum', 'attribution', sql`ia.attribution`),
    field('uuid', 'assertedById', sql`ia.asserted_by_id`),
    listField('statementIds', loggedIds(sql`ia.statement_ids`, 'ias'), sql`ias.position`, [field('uuid', 'statementId', sql`ias.id`)]),
    field('bool', 'disputed', sql`ia.disputed`)
  ])

const relationsField = (from: LinksFrom) => from === 'tables'
  ? stored('relations', 'relations')
  : listField('relations', sql`(SELECT (e.v->>'incidentId')::uuid AS to_id, (e.v->>'kind')::"RelationKind" AS kind, (e.v->>'assertedById')::uuid AS asserted_by_id,
      e.v->'statementIds' AS statement_ids, e.n AS position FROM jsonb_array_elements(coalesce(i.doc->'relations', '[]')) WITH ORDINALITY AS e(v, n)) r`, sql`r.position`, [
    field('uuid', 'incidentId', sql`r.to_id`), field('enum', 'kind', sql`r.kind`), field('uuid', 'assertedById', sql`r.asserted_by_id`),
    listField('statementIds', loggedIds(sql`r.statement_ids`, 'rs'), sql`rs.position`, [field('uuid', 'statementId', sql`rs.id`)])
  ])

const acled = (key: keyof AcledCategory) => lookupField(key, 'i.type', Object.fromEntries(Object.entries(acledCrosswalk).map(([t, c]) => [t, c[key]])))

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
      ? stored('sourceIds', 'source_ids')
      : listField('sourceIds', loggedIds(sql`i.doc->'sourceIds'`, 'src'), sql`src.position`, [field('uuid', 'sourceId', sql`src.id`)]),
    relationsField(from),
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
