import { Prisma } from '../../generated/prisma/client.ts'
import type { IncidentRow } from '../incidents/views.ts'
import type { Accepted } from './judge.ts'
import type { Write } from './sql.ts'

// Each table is written with INSERT … SELECT FROM json_to_recordset($1), one statement per batch of
// rows, with the rows exactly as judge() built them (and as the change log records them).
// json_to_recordset reads the rows' camelCase keys; links go to their own tables.

/** Rows per statement: bounds the memory one statement's JSON takes and the time one statement runs. */
const BATCH_ROWS = 10_000

/** The rows in consecutive batches of at most BATCH_ROWS. */
export function inBatches<T> (rows: T[]): T[][] {
  const batches: T[][] = []
  for (let from = 0; from < rows.length; from += BATCH_ROWS) batches.push(rows.slice(from, from + BATCH_ROWS))
  return batches
}

/** One write per batch of rows, its JSON (of `pick(row)`) built only when its turn comes near. */
const batched = <T>(rows: T[], sql: (json: string) => Prisma.Sql, pick: (row: T) => object = (row) => row as object): Write[] =>
  inBatches(rows).map((batch) => ({ build: () => sql(JSON.stringify(batch.map(pick))) }))

/** The accepted rows table by table, parents first. `progress` gets the number of records written so far. */
export function tableWrites (a: Accepted, updated: IncidentRow[], progress: (records: number) => void): Write[] {
  let written = 0
  // Progress is told when an entity's last write (its links included) has run.
  const entity = (records: number, writes: Write[]): Write[] => writes.length === 0
    ? []
    : [...writes.slice(0, -1), { ...writes[writes.length - 1], done: () => { written += records; progress(written) } }]
  return [
    ...entity(a.actors.length, batched(a.actors, (json) => Prisma.sql`
      INSERT INTO actors (id, name, kind, aliases, country_code, parent_id, title, description, wikidata_id, acled_name, ucdp_id, gdelt_code,
        merged_into_id, created_at, updated_at, version)
      SELECT id, name, kind, aliases, "countryCode", "parentId", title, description, "wikidataId", "acledName", "ucdpId", "gdeltCode",
        "mergedIntoId", "createdAt", "updatedAt", version
      FROM json_to_recordset(${json}::json) AS x(id uuid, name text, kind "ActorKind", aliases text[], "countryCode" text, "parentId" uuid,
        title text, description text, "wikidataId" text, "acledName" text, "ucdpId" text, "gdeltCode" text, "mergedIntoId" uuid,
        "createdAt" timestamptz, "updatedAt" timestamptz, version int)`)),

    ...entity(a.sources.length, batched(a.sources, (json) => Prisma.sql`
      INSERT INTO sources (id, url, title, publisher, published_at, kind, language, created_at, updated_at, version)
      SELECT id, url, title, publisher, "publishedAt", kind, language, "createdAt", "updatedAt", version
      FROM json_to_recordset(${json}::json) AS x(id uuid, url text, title text, publisher text, "publishedAt" timestamptz,
        kind "SourceKind", language text, "createdAt" timestamptz, "updatedAt" timestamptz, version int)`)),

    ...entity(a.incidents.length, [...batched(a.incidents, (json) => Prisma.sql`
      INSERT INTO incidents (id, type, title, summary, status, occurred_at, ended_at, date_precision, country_codes, location_name, location_admin1,
        location_country, lat, lon, location_precision, tags, fatalities_low, fatalities_best, fatalities_high, contested, created_at, updated_at, version)
      SELECT id, type, title, summary, status, "occurredAt", "endedAt", "datePrecision", "countryCodes", "locationName", "locationAdmin1",
        "locationCountry", lat, lon, "locationPrecision", tags, "fatalitiesLow", "fatalitiesBest", "fatalitiesHigh", contested, "createdAt", "updatedAt", version
      FROM json_to_recordset(${json}::json) AS x(id uuid, type "IncidentType", title text, summary text, status "IncidentStatus",
        "occurredAt" timestamptz, "endedAt" timestamptz, "datePrecision" "DatePrecision", "countryCodes" text[], "locationName" text,
        "locationAdmin1" text, "locationCountry" text, lat float8, lon float8, "locationPrecision" "LocationPrecision", tags text[],
        "fatalitiesLow" int, "fatalitiesBest" int, "fatalitiesHigh" int, contested boolean, "createdAt" timestamptz, "updatedAt" timestamptz, version int)`, ({ actors, sources, ...row }) => row),
    ...batched(a.incidents.flatMap((i) => i.actors), (json) => Prisma.sql`
      INSERT INTO incident_actors (incident_id, actor_id, role, position)
      SELECT "incidentId", "actorId", role, position FROM json_to_recordset(${json}::json) AS x("incidentId" uuid, "actorId" uuid, role "ActorRole", position int)`),
    ...batched(a.incidents.flatMap((i) => i.sources), (json) => Prisma.sql`
      INSERT INTO incident_sources (incident_id, source_id, position)
      SELECT "incidentId", "sourceId", position FROM json_to_recordset(${json}::json) AS x("incidentId" uuid, "sourceId" uuid, position int)`)]),

    ...entity(a.reports.length, [...batched(a.reports, (json) => Prisma.sql`
      INSERT INTO casualty_reports (id, incident_id, reported_by_id, category, min, max, qualifier, groups, note, reported_at, created_at, updated_at, version)
      SELECT id, "incidentId", "reportedById", category, min, max, qualifier, groups, note, "reportedAt", "createdAt", "updatedAt", version
      FROM json_to_recordset(${json}::json) AS x(id uuid, "incidentId" uuid, "reportedById" uuid, category "CasualtyCategory", min int, max int,
        qualifier "CasualtyQualifier", groups text[], note text, "reportedAt" timestamptz, "createdAt" timestamptz, "updatedAt" timestamptz, version int)`, ({ sources, ...row }) => row),
    ...batched(a.reports.flatMap((r) => r.sources), (json) => Prisma.sql`
      INSERT INTO casualty_report_sources (casualty_report_id, source_id, position)
      SELECT "casualtyReportId", "sourceId", position FROM json_to_recordset(${json}::json) AS x("casualtyReportId" uuid, "sourceId" uuid, position int)`)]),

    ...entity(a.statements.length, [...batched(a.statements, (json) => Prisma.sql`
      INSERT INTO statements (id, speaker_id, speaker_title, kind, summary, quote, language, stated_at, date_precision, responds_to_id, created_at, updated_at, version)
      SELECT id, "speakerId", "speakerTitle", kind, summary, quote, language, "statedAt", "datePrecision", "respondsToId", "createdAt", "updatedAt", version
      FROM json_to_recordset(${json}::json) AS x(id uuid, "speakerId" uuid, "speakerTitle" text, kind "StatementKind", summary text, quote text,
        language text, "statedAt" timestamptz, "datePrecision" "DatePrecision", "respondsToId" uuid, "createdAt" timestamptz, "updatedAt" timestamptz, version int)`, ({ incidents, aboutActors, sources, ...row }) => row),
    ...batched(a.statements.flatMap((s) => s.incidents), (json) => Prisma.sql`
      INSERT INTO statement_incidents (statement_id, incident_id, position)
      SELECT "statementId", "incidentId", position FROM json_to_recordset(${json}::json) AS x("statementId" uuid, "incidentId" uuid, position int)`),
    ...batched(a.statements.flatMap((s) => s.aboutActors), (json) => Prisma.sql`
      INSERT INTO statement_about_actors (statement_id, actor_id, position)
      SELECT "statementId", "actorId", position FROM json_to_recordset(${json}::json) AS x("statementId" uuid, "actorId" uuid, position int)`),
    ...batched(a.statements.flatMap((s) => s.sources), (json) => Prisma.sql`
      INSERT INTO statement_sources (statement_id, source_id, position)
      SELECT "statementId", "sourceId", position FROM json_to_recordset(${json}::json) AS x("statementId" uuid, "sourceId" uuid, position int)`)]),

    ...batched(updated, (json) => Prisma.sql`
      UPDATE incidents i SET fatalities_low = x."fatalitiesLow", fatalities_best = x."fatalitiesBest", fatalities_high = x."fatalitiesHigh",
        contested = x.contested, version = x.version, updated_at = x."updatedAt"
      FROM json_to_recordset(${json}::json) AS x(id uuid, "fatalitiesLow" int, "fatalitiesBest" int, "fatalitiesHigh" int, contested boolean,
        version int, "updatedAt" timestamptz)
      WHERE i.id = x.id`, ({ actors, sources, ...row }) => row)
  ]
}
