-- Hand-written: an incident's link lists as the exports print them, kept on the row.
-- The exports (NDJSON, CSV, GeoJSON written by PostgreSQL with COPY, src/db/export-sql.ts) read the
-- link columns of migration k_incident_links through ::jsonb, one row per role or relation, and write
-- their text again: about half of an export's time (bench/export-sql.ts). These columns hold that text
-- once, computed when the link columns change, so an export splices it in as it is: `_json` is the
-- list's JSON in the view (JSON.stringify of toIncident's list), `_flat` its CSV form (items joined
-- with ";", an item's values with ":", nested ids with ","; src/http/formats.ts flatten).
-- The link columns stay as they are: list pages read them, roles with their row ids, which the view
-- (and so the export's text) leaves out.
-- Generated columns: every write of a link column (the refresh triggers, the import's insert, a bulk
-- load) recomputes them, and an update that leaves the link columns alone does not.
-- The bodies are the export SQL these columns replace (src/modules/incidents/export.ts before this
-- migration), so the text is the same byte for byte (test/platform/export-copy.test.ts).

CREATE FUNCTION "incident_actors_json"(links json) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '[' || array_to_string(ARRAY(SELECT '{' || concat_ws(',', '"actorId":' || coalesce('"' || (ia.v->>'actorId') || '"', 'null'),
      '"role":' || coalesce('"' || (ia.v->>'role') || '"', 'null'), '"attribution":' || coalesce('"' || (ia.v->>'attribution') || '"', 'null'),
      '"assertedById":' || coalesce('"' || (ia.v->>'assertedById') || '"', 'null'),
      '"statementIds":' || coalesce(replace((ia.v->'statementIds')::text, ', ', ','), 'null'), '"disputed":' || coalesce(ia.v->>'disputed', 'null')) || '}'
    FROM jsonb_array_elements(links::jsonb) WITH ORDINALITY AS ia(v, position) ORDER BY ia.position), ',') || ']'
$$;

CREATE FUNCTION "incident_actors_flat"(links json) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_string(ARRAY(SELECT concat_ws(':', coalesce(ia.v->>'actorId', ''), coalesce(ia.v->>'role', ''), coalesce(ia.v->>'attribution', ''),
      coalesce(ia.v->>'assertedById', ''), coalesce(translate((ia.v->'statementIds')::text, '[]" ', ''), ''), coalesce(ia.v->>'disputed', ''))
    FROM jsonb_array_elements(links::jsonb) WITH ORDINALITY AS ia(v, position) ORDER BY ia.position), ';')
$$;

-- Source ids hold only hex digits and dashes: jsonb's text of the id array, less its spaces, is their JSON.
CREATE FUNCTION "incident_source_ids_json"(links json) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT replace(jsonb_path_query_array(links::jsonb, '$[*].sourceId')::text, ', ', ',')
$$;

CREATE FUNCTION "incident_source_ids_flat"(links json) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT replace(translate(jsonb_path_query_array(links::jsonb, '$[*].sourceId')::text, '[]" ', ''), ',', ';')
$$;

CREATE FUNCTION "incident_relations_json"(links json) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '[' || array_to_string(ARRAY(SELECT '{' || concat_ws(',', '"incidentId":' || coalesce('"' || (r.v->>'toId') || '"', 'null'),
      '"kind":' || coalesce('"' || (r.v->>'kind') || '"', 'null'), '"assertedById":' || coalesce('"' || (r.v->>'assertedById') || '"', 'null'),
      '"statementIds":' || coalesce(replace((r.v->'statementIds')::text, ', ', ','), 'null')) || '}'
    FROM jsonb_array_elements(links::jsonb) WITH ORDINALITY AS r(v, position) ORDER BY r.position), ',') || ']'
$$;

CREATE FUNCTION "incident_relations_flat"(links json) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_to_string(ARRAY(SELECT concat_ws(':', coalesce(r.v->>'toId', ''), coalesce(r.v->>'kind', ''), coalesce(r.v->>'assertedById', ''),
      coalesce(translate((r.v->'statementIds')::text, '[]" ', ''), ''))
    FROM jsonb_array_elements(links::jsonb) WITH ORDINALITY AS r(v, position) ORDER BY r.position), ';')
$$;

ALTER TABLE "incidents"
  ADD COLUMN "actors_json" text GENERATED ALWAYS AS (incident_actors_json(actor_links)) STORED,
  ADD COLUMN "actors_flat" text GENERATED ALWAYS AS (incident_actors_flat(actor_links)) STORED,
  ADD COLUMN "source_ids_json" text GENERATED ALWAYS AS (incident_source_ids_json(source_links)) STORED,
  ADD COLUMN "source_ids_flat" text GENERATED ALWAYS AS (incident_source_ids_flat(source_links)) STORED,
  ADD COLUMN "relations_json" text GENERATED ALWAYS AS (incident_relations_json(relation_links)) STORED,
  ADD COLUMN "relations_flat" text GENERATED ALWAYS AS (incident_relations_flat(relation_links)) STORED;
