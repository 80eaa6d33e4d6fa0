import { Prisma } from '../../generated/prisma/client.ts'
import type { IncidentRow } from '../incidents/repository.ts'
import type { Accepted } from './judge.ts'
import type { StatementChain } from './sql.ts'

// Each table is written with one INSERT … SELECT FROM json_to_recordset($1): one round trip per
// table whatever the number of rows, with the rows exactly as judge() built them (and as the change
// log records them). json_to_recordset reads the rows' camelCase keys and ignores the others.

const json = (rows: object[]) => JSON.stringify(rows)

/**
 * Sends the accepted rows table by table, parents first, on the chain: PostgreSQL writes one table
 * while the next one's JSON is built. `progress` gets the number of records written so far.
 */
export function writeAccepted (chain: StatementChain, a: Accepted, updated: IncidentRow[], progress: (records: number) => void) {
  const send = (sql: Prisma.Sql) => chain.send(sql)
  let written = 0
  const step = (n: number) => { chain.done().then(() => { written += n; progress(written) }, () => {}) }

  if (a.actors.length > 0) {
    send(Prisma.sql`
      INSERT INTO actors (id, name, kind, aliases, country_code, parent_id, title, description, wikidata_id, acled_name, ucdp_id, gdelt_code,
        merged_into_id, created_at, updated_at, version)
      SELECT id, name, kind, aliases, "countryCode", "parentId", title, description, "wikidataId", "acledName", "ucdpId", "gdeltCode",
        "mergedIntoId", "createdAt", "updatedAt", version
      FROM json_to_recordset(${json(a.actors)}::json) AS x(id uuid, name text, kind "ActorKind", aliases text[], "countryCode" text, "parentId" uuid,
        title text, description text, "wikidataId" text, "acledName" text, "ucdpId" text, "gdeltCode" text, "mergedIntoId" uuid,
        "createdAt" timestamptz, "updatedAt" timestamptz, version int)`)
    step(a.actors.length)
  }

  if (a.sources.length > 0) {
    send(Prisma.sql`
      INSERT INTO sources (id, url, title, publisher, published_at, kind, language, created_at, updated_at, version)
      SELECT id, url, title, publisher, "publishedAt", kind, language, "createdAt", "updatedAt", version
      FROM json_to_recordset(${json(a.sources)}::json) AS x(id uuid, url text, title text, publisher text, "publishedAt" timestamptz,
        kind "SourceKind", language text, "createdAt" timestamptz, "updatedAt" timestamptz, version int)`)
    step(a.sources.length)
  }

  if (a.incidents.length > 0) {
    send(Prisma.sql`
      INSERT INTO incidents (id, type, title, summary, status, occurred_at, ended_at, date_precision, country_codes, location_name, location_admin1,
        location_country, lat, lon, location_precision, tags, fatalities_low, fatalities_best, fatalities_high, contested, created_at, updated_at, version)
      SELECT id, type, title, summary, status, "occurredAt", "endedAt", "datePrecision", "countryCodes", "locationName", "locationAdmin1",
        "locationCountry", lat, lon, "locationPrecision", tags, "fatalitiesLow", "fatalitiesBest", "fatalitiesHigh", contested, "createdAt", "updatedAt", version
      FROM json_to_recordset(${json(a.incidents)}::json) AS x(id uuid, type "IncidentType", title text, summary text, status "IncidentStatus",
        "occurredAt" timestamptz, "endedAt" timestamptz, "datePrecision" "DatePrecision", "countryCodes" text[], "locationName" text,
        "locationAdmin1" text, "locationCountry" text, lat float8, lon float8, "locationPrecision" "LocationPrecision", tags text[],
        "fatalitiesLow" int, "fatalitiesBest" int, "fatalitiesHigh" int, contested boolean, "createdAt" timestamptz, "updatedAt" timestamptz, version int)`)
    const actors = a.incidents.flatMap((i) => i.actors)
    if (actors.length > 0) {
      send(Prisma.sql`
        INSERT INTO incident_actors (incident_id, actor_id, role, position)
        SELECT "incidentId", "actorId", role, position FROM json_to_recordset(${json(actors)}::json) AS x("incidentId" uuid, "actorId" uuid, role "ActorRole", position int)`)
    }
    const sources = a.incidents.flatMap((i) => i.sources)
    if (sources.length > 0) {
      send(Prisma.sql`
        INSERT INTO incident_sources (incident_id, source_id, position)
        SELECT "incidentId", "sourceId", position FROM json_to_recordset(${json(sources)}::json) AS x("incidentId" uuid, "sourceId" uuid, position int)`)
    }
    step(a.incidents.length)
  }

  if (a.reports.length > 0) {
    send(Prisma.sql`
      INSERT INTO casualty_reports (id, incident_id, reported_by_id, category, min, max, qualifier, groups, note, reported_at, created_at, updated_at, version)
      SELECT id, "incidentId", "reportedById", category, min, max, qualifier, groups, note, "reportedAt", "createdAt", "updatedAt", version
      FROM json_to_recordset(${json(a.reports)}::json) AS x(id uuid, "incidentId" uuid, "reportedById" uuid, category "CasualtyCategory", min int, max int,
        qualifier "CasualtyQualifier", groups text[], note text, "reportedAt" timestamptz, "createdAt" timestamptz, "updatedAt" timestamptz, version int)`)
    const sources = a.reports.flatMap((r) => r.sources)
    if (sources.length > 0) {
      send(Prisma.sql`
        INSERT INTO casualty_report_sources (casualty_report_id, source_id, position)
        SELECT "casualtyReportId", "sourceId", position FROM json_to_recordset(${json(sources)}::json) AS x("casualtyReportId" uuid, "sourceId" uuid, position int)`)
    }
    step(a.reports.length)
  }

  if (a.statements.length > 0) {
    send(Prisma.sql`
      INSERT INTO statements (id, speaker_id, speaker_title, kind, summary, quote, language, stated_at, date_precision, responds_to_id, created_at, updated_at, version)
      SELECT id, "speakerId", "speakerTitle", kind, summary, quote, language, "statedAt", "datePrecision", "respondsToId", "createdAt", "updatedAt", version
      FROM json_to_recordset(${json(a.statements)}::json) AS x(id uuid, "speakerId" uuid, "speakerTitle" text, kind "StatementKind", summary text, quote text,
        language text, "statedAt" timestamptz, "datePrecision" "DatePrecision", "respondsToId" uuid, "createdAt" timestamptz, "updatedAt" timestamptz, version int)`)
    const incidents = a.statements.flatMap((s) => s.incidents)
    if (incidents.length > 0) {
      send(Prisma.sql`
        INSERT INTO statement_incidents (statement_id, incident_id, position)
        SELECT "statementId", "incidentId", position FROM json_to_recordset(${json(incidents)}::json) AS x("statementId" uuid, "incidentId" uuid, position int)`)
    }
    const about = a.statements.flatMap((s) => s.aboutActors)
    if (about.length > 0) {
      send(Prisma.sql`
        INSERT INTO statement_about_actors (statement_id, actor_id, position)
        SELECT "statementId", "actorId", position FROM json_to_recordset(${json(about)}::json) AS x("statementId" uuid, "actorId" uuid, position int)`)
    }
    const sources = a.statements.flatMap((s) => s.sources)
    if (sources.length > 0) {
      send(Prisma.sql`
        INSERT INTO statement_sources (statement_id, source_id, position)
        SELECT "statementId", "sourceId", position FROM json_to_recordset(${json(sources)}::json) AS x("statementId" uuid, "sourceId" uuid, position int)`)
    }
    step(a.statements.length)
  }

  if (updated.length > 0) {
    send(Prisma.sql`
      UPDATE incidents i SET fatalities_low = x."fatalitiesLow", fatalities_best = x."fatalitiesBest", fatalities_high = x."fatalitiesHigh",
        contested = x.contested, version = x.version, updated_at = x."updatedAt"
      FROM json_to_recordset(${json(updated)}::json) AS x(id uuid, "fatalitiesLow" int, "fatalitiesBest" int, "fatalitiesHigh" int, contested boolean,
        version int, "updatedAt" timestamptz)
      WHERE i.id = x.id`)
  }
}
