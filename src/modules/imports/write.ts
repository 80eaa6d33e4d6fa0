import { Prisma } from '../../generated/prisma/client.ts'
import type { IncidentRow } from '../incidents/views.ts'
import type { Accepted, NewIncident } from './judge.ts'
import type { Write } from './sql.ts'

// Each table is written with INSERT … SELECT FROM json_to_recordset($1), one statement per batch of
// rows, with the rows exactly as judge() built them (and as the change log records them).
// json_to_recordset reads the rows' camelCase keys; links go to their own tables.

/** Rows per statement: bounds the memory one statement's JSON takes and the time one statement runs. */
const BATCH_ROWS = 10_000

/**
 * Each table's columns, once: the row's key (the Prisma field) and its PostgreSQL type, as in a
 * record type. The column's name is the key in snake_case, as prisma/schema.prisma maps every field;
 * the INSERT's column list, json_to_recordset's record type and the keys put in the JSON all come from here.
 * Only these constant lists reach Prisma.raw; the rows travel as one JSON parameter.
 */
type Columns = Array<[key: string, type: string]>
const columns = (...list: string[]): Columns => list.map((c) => c.split(' ', 2) as [string, string])

const stamps = columns('createdAt timestamptz', 'updatedAt timestamptz', 'version int')
const rollUp = columns('fatalitiesLow int', 'fatalitiesBest int', 'fatalitiesHigh int', 'contested boolean')

/** A link row: the two ids it links and its position in the record's list. */
const link = (...list: string[]) => columns(...list, 'position int')

/** The tables the import inserts into. */
const tables = {
  actors: [...columns('id uuid', 'name text', 'kind "ActorKind"', 'aliases text[]', 'countryCode text', 'parentId uuid', 'title text',
    'description text', 'wikidataId text', 'acledName text', 'ucdpId text', 'gdeltCode text', 'mergedIntoId uuid'), ...stamps],
  sources: [...columns('id uuid', 'url text', 'title text', 'publisher text', 'publishedAt timestamptz', 'kind "SourceKind"',
    'language text', 'author text', 'archiveUrl text'), ...stamps],
  incidents: [...columns('id uuid', 'type "IncidentType"', 'title text', 'summary text', 'status "IncidentStatus"',
    'occurredAt timestamptz', 'endedAt timestamptz', 'datePrecision "DatePrecision"', 'countryCodes text[]', 'locationName text',
    'locationAdmin1 text', 'locationCountry text', 'lat float8', 'lon float8', 'locationPrecision "LocationPrecision"', 'tags text[]',
    'acledEventId text', 'ucdpGedId text', 'gdeltEventId text'), ...rollUp, ...stamps],
  casualty_reports: [...columns('id uuid', 'incidentId uuid', 'reportedById uuid', 'affectedActorId uuid', 'category "CasualtyCategory"', 'min int', 'max int',
    'qualifier "CasualtyQualifier"', 'phrase text', 'groups text[]', 'note text', 'reportedAt timestamptz'), ...stamps],
  statements: [...columns('id uuid', 'speakerId uuid', 'speakerTitle text', 'kind "StatementKind"', 'summary text', 'quote text',
    'language text', 'channel "StatementChannel"', 'place text', 'originalQuote text', 'originalLanguage text',
    'statedAt timestamptz', 'datePrecision "DatePrecision"', 'respondsToId uuid'), ...stamps],
  incident_actors: link('id uuid', 'incidentId uuid', 'actorId uuid', 'role "ActorRole"', 'attribution "ActorAttribution"', 'assertedById uuid', 'disputed boolean'),
  incident_actor_statements: link('incidentActorId uuid', 'statementId uuid'),
  incident_sources: link('incidentId uuid', 'sourceId uuid'),
  casualty_report_sources: link('casualtyReportId uuid', 'sourceId uuid'),
  statement_incidents: link('statementId uuid', 'incidentId uuid'),
  statement_about_actors: link('statementId uuid', 'actorId uuid'),
  statement_sources: link('statementId uuid', 'sourceId uuid'),
  incident_relations: columns('fromId uuid', 'toId uuid', 'kind "RelationKind"', 'assertedById uuid', 'position int'),
  incident_relation_statements: columns('fromId uuid', 'toId uuid', 'kind "RelationKind"', 'statementId uuid', 'position int')
}

/** What settling an existing incident's roll-up rewrites. */
const rolledUp = [...rollUp, ...columns('version int', 'updatedAt timestamptz')]

const columnName = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
const keysOf = (list: Columns) => list.map(([key]) => key)
/** `"key" type, …`: the record type json_to_recordset reads the rows as. */
const recordType = (list: Columns) => Prisma.raw(list.map(([key, type]) => `"${key}" ${type}`).join(', '))

/** One statement per batch: the batch's rows as JSON of the given keys only (judge()'s rows also carry their links). */
function batched<T> (rows: T[], keys: string[], sql: (json: string) => Prisma.Sql): Write[] {
  return inBatches(rows).map((batch) => ({ build: () => sql(JSON.stringify(batch, keys)) }))
}

/** Inserts the rows into the table, a column for each of its keys. */
function insert (table: keyof typeof tables, rows: object[]): Write[] {
  const list = tables[table]
  const keys = keysOf(list)
  const names = Prisma.raw(keys.map(columnName).join(', '))
  const values = Prisma.raw(keys.map((key) => `"${key}"`).join(', '))
  return batched(rows, keys, (json) => Prisma.sql`
    INSERT INTO ${Prisma.raw(table)} (${names}) SELECT ${values} FROM json_to_recordset(${json}::json) AS x(${recordType(list)})`)
}

// An incident's link columns as the refresh functions of migration k_incident_links write them:
// json_agg of json_build_object, whose text is `[{"key" : value, …}, …]`.
const field = (key: string, value: string | boolean | null) => `"${key}" : ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`
const noStatements = '"statementIds" : []'
const linkText = (objects: string[][]) => `[${objects.map((pairs) => `{${pairs.join(', ')}}`).join(', ')}]`

/**
 * The link columns of a new incident, from the links its row carries. The statements a role or
 * relation cites are linked last (they may come later in the file), so the columns list none of them
 * yet: the triggers' refresh then finds every incident's links as they are and leaves the row alone
 * (migration k_import_triggers), and only an incident that cites statements is refreshed, once per
 * such link table.
 */
export function incidentLinkColumns (i: NewIncident) {
  return {
    actorLinks: linkText(i.actors.map((a) => [field('id', a.id), field('actorId', a.actorId), field('role', a.role), field('attribution', a.attribution),
      field('assertedById', a.assertedById), field('disputed', a.disputed), noStatements])),
    sourceLinks: linkText(i.sources.map((src) => [field('sourceId', src.sourceId)])),
    relationLinks: linkText(i.relations.map((r) => [field('toId', r.toId), field('kind', r.kind), field('assertedById', r.assertedById), noStatements]))
  }
}

/**
 * New incidents with their link columns written at once, as text the same as the refresh functions
 * write: each new incident is written once, not again for each link table that names it.
 */
function insertIncidents (rows: NewIncident[]): Write[] {
  // Read as text and cast: a json field of json_to_recordset would hold the JSON string itself.
  const list = [...tables.incidents, ...columns('actorLinks text', 'sourceLinks text', 'relationLinks text')]
  const keys = keysOf(list)
  const names = Prisma.raw(keys.map(columnName).join(', '))
  const values = Prisma.raw(keys.map((key) => (key.endsWith('Links') ? `"${key}"::json` : `"${key}"`)).join(', '))
  return inBatches(rows).map((batch) => ({
    build: () => Prisma.sql`
      INSERT INTO incidents (${names}) SELECT ${values}
      FROM json_to_recordset(${JSON.stringify(batch.map((i) => ({ ...i, ...incidentLinkColumns(i) })), keys)}::json) AS x(${recordType(list)})`
  }))
}

/** Sets the existing incidents' roll-up columns, matched by id. */
function updateRollUps (rows: IncidentRow[]): Write[] {
  const keys = keysOf(rolledUp)
  const set = Prisma.raw(keys.map((key) => `${columnName(key)} = x."${key}"`).join(', '))
  return batched(rows, ['id', ...keys], (json) => Prisma.sql`
    UPDATE incidents i SET ${set} FROM json_to_recordset(${json}::json) AS x(id uuid, ${recordType(rolledUp)}) WHERE i.id = x.id`)
}

/** Rewrites these rows' columns (every key of the table but id and createdAt), matched by id. */
function rewrite (table: 'incidents' | 'casualty_reports', rows: object[]): Write[] {
  const list = tables[table].filter(([key]) => key !== 'id' && key !== 'createdAt')
  const keys = keysOf(list)
  const set = Prisma.raw(keys.map((key) => `${columnName(key)} = x."${key}"`).join(', '))
  return batched(rows, ['id', ...keys], (json) => Prisma.sql`
    UPDATE ${Prisma.raw(table)} t SET ${set} FROM json_to_recordset(${json}::json) AS x(id uuid, ${recordType(list)}) WHERE t.id = x.id`)
}

/** Deletes the link rows of these records (their new ones are inserted after). */
function unlink (table: 'incident_actors' | 'incident_sources' | 'casualty_report_sources', column: string, ids: string[]): Write[] {
  return inBatches(ids).map((batch) => ({ build: () => Prisma.sql`DELETE FROM ${Prisma.raw(table)} WHERE ${Prisma.raw(column)} = ANY(${batch}::uuid[])` }))
}

/** Turns the `disputed` of these roles of existing incidents (the denials the import links changed it). */
function flipDisputed (roleIds: string[]): Write[] {
  return inBatches(roleIds).map((batch) => ({ build: () => Prisma.sql`UPDATE incident_actors SET disputed = NOT disputed WHERE id = ANY(${batch}::uuid[])` }))
}

/** Gives the existing statements the import linked to new incidents their new version. */
function bumpStatements (rows: Array<{ id: string, version: number, updatedAt: Date }>): Write[] {
  return batched(rows, ['id', 'version', 'updatedAt'], (json) => Prisma.sql`
    UPDATE statements s SET version = x.version, updated_at = x."updatedAt" FROM json_to_recordset(${json}::json) AS x(id uuid, version int, "updatedAt" timestamptz)
    WHERE s.id = x.id`)
}

/** The rows in consecutive batches of at most BATCH_ROWS. */
export function inBatches<T> (rows: T[]): T[][] {
  const batches: T[][] = []
  for (let from = 0; from < rows.length; from += BATCH_ROWS) batches.push(rows.slice(from, from + BATCH_ROWS))
  return batches
}

/** The accepted rows table by table, parents first. `progress` gets the number of records written so far. */
export function tableWrites (a: Accepted, updated: IncidentRow[], flipped: string[], progress: (records: number) => void): Write[] {
  let written = 0
  // Progress is told when an entity's last write (its links included) has run.
  const entity = (records: number, writes: Write[]): Write[] => writes.length === 0
    ? []
    : [...writes.slice(0, -1), { ...writes[writes.length - 1], done: () => { written += records; progress(written) } }]
  const incidents = [...a.incidents, ...a.rewrites.incidents.map((r) => r.after)]
  const reports = [...a.reports, ...a.rewrites.reports.map((r) => r.after)]
  const rewrittenIncidents = a.rewrites.incidents.map((r) => r.after.id)
  const rewrittenReports = a.rewrites.reports.map((r) => r.after.id)
  return [
    ...entity(a.actors.length, insert('actors', a.actors)),
    ...entity(a.sources.length, insert('sources', a.sources)),
    ...entity(incidents.length, [
      ...insertIncidents(a.incidents),
      ...rewrite('incidents', a.rewrites.incidents.map((r) => r.after)),
      // A rewritten incident's roles go with their statement links (ON DELETE CASCADE); its relations stay.
      ...unlink('incident_actors', 'incident_id', rewrittenIncidents),
      ...unlink('incident_sources', 'incident_id', rewrittenIncidents),
      ...insert('incident_actors', incidents.flatMap((i) => i.actors)),
      ...insert('incident_sources', incidents.flatMap((i) => i.sources))
    ]),
    ...entity(reports.length, [
      ...insert('casualty_reports', a.reports),
      ...rewrite('casualty_reports', a.rewrites.reports.map((r) => r.after)),
      ...unlink('casualty_report_sources', 'casualty_report_id', rewrittenReports),
      ...insert('casualty_report_sources', reports.flatMap((r) => r.sources))
    ]),
    ...entity(a.statements.length, [
      ...insert('statements', a.statements),
      ...insert('statement_incidents', a.statements.flatMap((s) => s.incidents)),
      ...insert('statement_about_actors', a.statements.flatMap((s) => s.aboutActors)),
      ...insert('statement_sources', a.statements.flatMap((s) => s.sources))
    ]),
    // After every incident and statement: a relation may name either further down the file.
    ...insert('incident_relations', a.incidents.flatMap((i) => i.relations)),
    ...insert('incident_relation_statements', a.incidents.flatMap((i) => i.relations.flatMap((r) => r.statements))),
    ...insert('incident_actor_statements', incidents.flatMap((i) => i.actors.flatMap((r) => r.statements))),
    ...insert('statement_incidents', a.statementLinks),
    ...bumpStatements(a.linkedStatements.map((s) => s.after)),
    ...updateRollUps(updated),
    ...flipDisputed(flipped)
  ]
}
