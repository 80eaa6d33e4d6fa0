-- Full-text search over title and summary (websearch_to_tsquery('english', q)).
ALTER TABLE "incidents" ADD COLUMN "search" tsvector
  GENERATED ALWAYS AS (to_tsvector('english'::regconfig, ((title || ' '::text) || COALESCE(summary, ''::text)))) STORED;
CREATE INDEX "incidents_search_idx" ON "incidents" USING gin ("search") WHERE deleted_at IS NULL;

-- Keyset orders of the incident list: each sort field with id as tie-breaker, live rows only.
CREATE INDEX "incidents_occurred_idx" ON "incidents" ("occurred_at", "id") WHERE deleted_at IS NULL;
CREATE INDEX "incidents_updated_idx" ON "incidents" ("updated_at", "id") WHERE deleted_at IS NULL;
CREATE INDEX "incidents_fatalities_idx" ON "incidents" ("fatalities_best", "id") WHERE deleted_at IS NULL;
-- The commonest newsroom query: one type in a time window.
CREATE INDEX "incidents_type_occurred_idx" ON "incidents" ("type", "occurred_at", "id") WHERE deleted_at IS NULL;

-- Array filters: country (any of the incident's countries) and tag.
CREATE INDEX "incidents_country_codes_idx" ON "incidents" USING gin ("country_codes") WHERE deleted_at IS NULL;
CREATE INDEX "incidents_tags_idx" ON "incidents" USING gin ("tags") WHERE deleted_at IS NULL;

-- Geo filters without PostGIS: bbox and the bounding box of a radius search use a GiST index on
-- point(lon, lat); the exact distance is then checked with sitrep_distance_km.
CREATE INDEX "incidents_location_idx" ON "incidents" USING gist (point("lon", "lat")) WHERE deleted_at IS NULL AND lat IS NOT NULL;

CREATE FUNCTION sitrep_distance_km(lat1 float8, lon1 float8, lat2 float8, lon2 float8) RETURNS float8
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT 2 * 6371.0088 * asin(sqrt(
    power(sin(radians(lat2 - lat1) / 2), 2) +
    cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2))) $$;

-- Casualty reports of an incident, live only (the roll-up reads them on every casualty write).
CREATE INDEX "casualty_reports_incident_live_idx" ON "casualty_reports" ("incident_id", "category") WHERE deleted_at IS NULL;
