-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('state', 'government', 'military', 'armed_group', 'political_party', 'international_org', 'ngo', 'think_tank', 'media', 'person', 'other');

-- CreateEnum
CREATE TYPE "SourceKind" AS ENUM ('news_article', 'official_statement', 'social_media', 'report', 'other');

-- CreateEnum
CREATE TYPE "IncidentType" AS ENUM ('airstrike', 'drone_strike', 'shelling', 'armed_clash', 'cross_border_fire', 'militant_attack', 'bombing', 'raid', 'ground_operation', 'arrest', 'protest', 'other');

-- CreateEnum
CREATE TYPE "IncidentStatus" AS ENUM ('reported', 'confirmed', 'disputed', 'denied', 'retracted');

-- CreateEnum
CREATE TYPE "DatePrecision" AS ENUM ('exact', 'day', 'week', 'month', 'year');

-- CreateEnum
CREATE TYPE "ActorRole" AS ENUM ('perpetrator', 'target', 'victim', 'mediator', 'other');

-- CreateEnum
CREATE TYPE "LocationPrecision" AS ENUM ('exact', 'near', 'admin1', 'country');

-- CreateEnum
CREATE TYPE "CasualtyCategory" AS ENUM ('killed', 'injured', 'missing', 'detained', 'displaced');

-- CreateEnum
CREATE TYPE "CasualtyQualifier" AS ENUM ('exact', 'at_least', 'at_most', 'approximately', 'range');

-- CreateEnum
CREATE TYPE "StatementKind" AS ENUM ('claim', 'denial', 'confirmation', 'accusation', 'condemnation', 'appeal', 'offer', 'threat', 'assessment', 'other');

-- CreateEnum
CREATE TYPE "ChangeAction" AS ENUM ('created', 'updated', 'deleted');

-- CreateTable
CREATE TABLE "actors" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "ActorKind" NOT NULL,
    "aliases" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "country_code" CHAR(2),
    "parent_id" UUID,
    "title" TEXT,
    "description" TEXT,
    "wikidata_id" TEXT,
    "acled_name" TEXT,
    "ucdp_id" TEXT,
    "gdelt_code" TEXT,
    "merged_into_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" INTEGER NOT NULL DEFAULT 1,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "actors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "actor_names" (
    "actor_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "is_alias" BOOLEAN NOT NULL,

    CONSTRAINT "actor_names_pkey" PRIMARY KEY ("actor_id","name")
);

-- CreateTable
CREATE TABLE "sources" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "publisher" TEXT NOT NULL,
    "published_at" TIMESTAMPTZ(3),
    "kind" "SourceKind" NOT NULL,
    "language" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" INTEGER NOT NULL DEFAULT 1,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "sources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incidents" (
    "id" UUID NOT NULL,
    "type" "IncidentType" NOT NULL,
    "title" TEXT NOT NULL,
    "summary" TEXT,
    "status" "IncidentStatus" NOT NULL DEFAULT 'reported',
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "date_precision" "DatePrecision" NOT NULL DEFAULT 'exact',
    "country_codes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "location_name" TEXT,
    "location_admin1" TEXT,
    "location_country" CHAR(2),
    "lat" DOUBLE PRECISION,
    "lon" DOUBLE PRECISION,
    "location_precision" "LocationPrecision",
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "fatalities_low" INTEGER,
    "fatalities_best" INTEGER,
    "fatalities_high" INTEGER,
    "contested" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" INTEGER NOT NULL DEFAULT 1,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "incident_actors" (
    "incident_id" UUID NOT NULL,
    "actor_id" UUID NOT NULL,
    "role" "ActorRole" NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "incident_actors_pkey" PRIMARY KEY ("incident_id","actor_id","role")
);

-- CreateTable
CREATE TABLE "incident_sources" (
    "incident_id" UUID NOT NULL,
    "source_id" UUID NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "incident_sources_pkey" PRIMARY KEY ("incident_id","source_id")
);

-- CreateTable
CREATE TABLE "casualty_reports" (
    "id" UUID NOT NULL,
    "incident_id" UUID NOT NULL,
    "reported_by_id" UUID,
    "category" "CasualtyCategory" NOT NULL,
    "min" INTEGER NOT NULL,
    "max" INTEGER,
    "qualifier" "CasualtyQualifier" NOT NULL,
    "groups" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "note" TEXT,
    "reported_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" INTEGER NOT NULL DEFAULT 1,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "casualty_reports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "casualty_report_sources" (
    "casualty_report_id" UUID NOT NULL,
    "source_id" UUID NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "casualty_report_sources_pkey" PRIMARY KEY ("casualty_report_id","source_id")
);

-- CreateTable
CREATE TABLE "statements" (
    "id" UUID NOT NULL,
    "speaker_id" UUID NOT NULL,
    "speaker_title" TEXT,
    "kind" "StatementKind" NOT NULL,
    "summary" TEXT NOT NULL,
    "quote" TEXT,
    "language" TEXT NOT NULL,
    "stated_at" TIMESTAMPTZ(3) NOT NULL,
    "date_precision" "DatePrecision" NOT NULL DEFAULT 'exact',
    "responds_to_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" INTEGER NOT NULL DEFAULT 1,
    "deleted_at" TIMESTAMPTZ(3),

    CONSTRAINT "statements_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "statement_incidents" (
    "statement_id" UUID NOT NULL,
    "incident_id" UUID NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "statement_incidents_pkey" PRIMARY KEY ("statement_id","incident_id")
);

-- CreateTable
CREATE TABLE "statement_about_actors" (
    "statement_id" UUID NOT NULL,
    "actor_id" UUID NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "statement_about_actors_pkey" PRIMARY KEY ("statement_id","actor_id")
);

-- CreateTable
CREATE TABLE "statement_sources" (
    "statement_id" UUID NOT NULL,
    "source_id" UUID NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "statement_sources_pkey" PRIMARY KEY ("statement_id","source_id")
);

-- CreateTable
CREATE TABLE "changes" (
    "seq" BIGSERIAL NOT NULL,
    "entity" TEXT NOT NULL,
    "entity_id" UUID NOT NULL,
    "action" "ChangeAction" NOT NULL,
    "version" INTEGER NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "key_name" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "changes_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "scopes" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_records" (
    "api_key_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status" INTEGER,
    "headers" JSONB,
    "body" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_records_pkey" PRIMARY KEY ("api_key_id","key")
);

-- CreateIndex
CREATE INDEX "actors_parent_id_idx" ON "actors"("parent_id");

-- CreateIndex
CREATE INDEX "actors_kind_idx" ON "actors"("kind");

-- CreateIndex
CREATE INDEX "actors_country_code_idx" ON "actors"("country_code");

-- CreateIndex
CREATE INDEX "sources_published_at_idx" ON "sources"("published_at");

-- CreateIndex
CREATE INDEX "incident_actors_actor_id_role_idx" ON "incident_actors"("actor_id", "role");

-- CreateIndex
CREATE INDEX "incident_sources_source_id_idx" ON "incident_sources"("source_id");

-- CreateIndex
CREATE INDEX "casualty_reports_incident_id_idx" ON "casualty_reports"("incident_id");

-- CreateIndex
CREATE INDEX "casualty_reports_reported_by_id_idx" ON "casualty_reports"("reported_by_id");

-- CreateIndex
CREATE INDEX "casualty_report_sources_source_id_idx" ON "casualty_report_sources"("source_id");

-- CreateIndex
CREATE INDEX "statements_speaker_id_stated_at_idx" ON "statements"("speaker_id", "stated_at");

-- CreateIndex
CREATE INDEX "statements_responds_to_id_idx" ON "statements"("responds_to_id");

-- CreateIndex
CREATE INDEX "statement_incidents_incident_id_idx" ON "statement_incidents"("incident_id");

-- CreateIndex
CREATE INDEX "statement_about_actors_actor_id_idx" ON "statement_about_actors"("actor_id");

-- CreateIndex
CREATE INDEX "statement_sources_source_id_idx" ON "statement_sources"("source_id");

-- CreateIndex
CREATE INDEX "changes_entity_entity_id_seq_idx" ON "changes"("entity", "entity_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys"("prefix");

-- CreateIndex
CREATE INDEX "idempotency_records_created_at_idx" ON "idempotency_records"("created_at");

-- AddForeignKey
ALTER TABLE "actors" ADD CONSTRAINT "actors_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actors" ADD CONSTRAINT "actors_merged_into_id_fkey" FOREIGN KEY ("merged_into_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "actor_names" ADD CONSTRAINT "actor_names_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "actors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_actors" ADD CONSTRAINT "incident_actors_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_actors" ADD CONSTRAINT "incident_actors_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "actors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_sources" ADD CONSTRAINT "incident_sources_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_sources" ADD CONSTRAINT "incident_sources_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "casualty_reports" ADD CONSTRAINT "casualty_reports_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "casualty_reports" ADD CONSTRAINT "casualty_reports_reported_by_id_fkey" FOREIGN KEY ("reported_by_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "casualty_report_sources" ADD CONSTRAINT "casualty_report_sources_casualty_report_id_fkey" FOREIGN KEY ("casualty_report_id") REFERENCES "casualty_reports"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "casualty_report_sources" ADD CONSTRAINT "casualty_report_sources_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statements" ADD CONSTRAINT "statements_speaker_id_fkey" FOREIGN KEY ("speaker_id") REFERENCES "actors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statements" ADD CONSTRAINT "statements_responds_to_id_fkey" FOREIGN KEY ("responds_to_id") REFERENCES "statements"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_incidents" ADD CONSTRAINT "statement_incidents_statement_id_fkey" FOREIGN KEY ("statement_id") REFERENCES "statements"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_incidents" ADD CONSTRAINT "statement_incidents_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incidents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_about_actors" ADD CONSTRAINT "statement_about_actors_statement_id_fkey" FOREIGN KEY ("statement_id") REFERENCES "statements"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_about_actors" ADD CONSTRAINT "statement_about_actors_actor_id_fkey" FOREIGN KEY ("actor_id") REFERENCES "actors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_sources" ADD CONSTRAINT "statement_sources_statement_id_fkey" FOREIGN KEY ("statement_id") REFERENCES "statements"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_sources" ADD CONSTRAINT "statement_sources_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Written by hand: what Prisma's schema cannot express.
-- ---------------------------------------------------------------------------------------------

-- Actor names and aliases are unique ignoring case, accents and spacing. The key function is the
-- single definition of "the same name"; the API looks names up through it too.
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE FUNCTION sitrep_name_key(text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT lower(regexp_replace(btrim(public.unaccent('public.unaccent'::regdictionary, $1)), '\s+', ' ', 'g')) $$;

ALTER TABLE "actor_names" ADD COLUMN "key" TEXT COLLATE "C" GENERATED ALWAYS AS (sitrep_name_key("name")) STORED;
-- The C collation lets this index serve prefix (LIKE 'abc%') searches whatever the database locale.
CREATE UNIQUE INDEX "actor_names_key_key" ON "actor_names" ("key");

-- actor_names mirrors the live actors' name and aliases; merged and deleted actors free their names.
CREATE FUNCTION sitrep_sync_actor_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM actor_names WHERE actor_id = NEW.id;
  IF NEW.deleted_at IS NULL AND NEW.merged_into_id IS NULL THEN
    INSERT INTO actor_names (actor_id, name, is_alias)
    SELECT DISTINCT ON (sitrep_name_key(n.name)) NEW.id, n.name, n.ord > 0
    FROM (SELECT NEW.name AS name, 0::bigint AS ord
          UNION ALL SELECT a, o FROM unnest(NEW.aliases) WITH ORDINALITY AS t(a, o)) n
    ORDER BY sitrep_name_key(n.name), n.ord;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER actors_sync_names AFTER INSERT OR UPDATE OF name, aliases, deleted_at, merged_into_id
  ON actors FOR EACH ROW EXECUTE FUNCTION sitrep_sync_actor_names();

ALTER TABLE "actors"
  ADD CONSTRAINT "actors_name_not_blank" CHECK (btrim(name) <> ''),
  ADD CONSTRAINT "actors_country_code_shape" CHECK (country_code ~ '^[A-Z]{2}$'),
  ADD CONSTRAINT "actors_not_own_parent" CHECK (parent_id <> id),
  ADD CONSTRAINT "actors_not_merged_into_self" CHECK (merged_into_id <> id),
  ADD CONSTRAINT "actors_wikidata_shape" CHECK (wikidata_id ~ '^Q[1-9][0-9]*$');
CREATE INDEX "actors_name_idx" ON "actors" ("name", "id") WHERE deleted_at IS NULL;
CREATE INDEX "actors_wikidata_idx" ON "actors" ("wikidata_id") WHERE deleted_at IS NULL;

-- Sources: one live row per normalised URL.
ALTER TABLE "sources"
  ADD CONSTRAINT "sources_url_shape" CHECK (url ~ '^https?://'),
  ADD CONSTRAINT "sources_title_not_blank" CHECK (btrim(title) <> ''),
  ADD CONSTRAINT "sources_language_shape" CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$');
CREATE UNIQUE INDEX "sources_url_live_key" ON "sources" ("url") WHERE deleted_at IS NULL;

-- Incidents.
ALTER TABLE "incidents"
  ADD CONSTRAINT "incidents_country_codes_shape" CHECK (array_to_string(country_codes, ',') ~ '^([A-Z]{2}(,[A-Z]{2})*)?$'),
  ADD CONSTRAINT "incidents_location_country_shape" CHECK (location_country ~ '^[A-Z]{2}$'),
  ADD CONSTRAINT "incidents_lat_range" CHECK (lat BETWEEN -90 AND 90),
  ADD CONSTRAINT "incidents_lon_range" CHECK (lon BETWEEN -180 AND 180),
  ADD CONSTRAINT "incidents_location_complete" CHECK (
    (location_name IS NULL AND location_country IS NULL AND lat IS NULL AND lon IS NULL AND location_precision IS NULL AND location_admin1 IS NULL)
    OR (location_name IS NOT NULL AND location_country IS NOT NULL AND lat IS NOT NULL AND lon IS NOT NULL AND location_precision IS NOT NULL)),
  ADD CONSTRAINT "incidents_ended_after_occurred" CHECK (ended_at >= occurred_at),
  ADD CONSTRAINT "incidents_fatalities_order" CHECK (
    (fatalities_low IS NULL AND fatalities_best IS NULL AND fatalities_high IS NULL)
    OR (fatalities_low >= 0 AND fatalities_low <= fatalities_best AND fatalities_best <= fatalities_high)),
  ADD CONSTRAINT "incidents_title_not_blank" CHECK (btrim(title) <> '');

-- Casualty reports: counts are never negative, a range has an upper bound, one report per
-- reporter, incident and category.
ALTER TABLE "casualty_reports"
  ADD CONSTRAINT "casualty_reports_min_nonnegative" CHECK (min >= 0),
  ADD CONSTRAINT "casualty_reports_max_not_below_min" CHECK (max >= min),
  ADD CONSTRAINT "casualty_reports_range_has_max" CHECK (qualifier <> 'range' OR max IS NOT NULL),
  ADD CONSTRAINT "casualty_reports_groups_known" CHECK (groups <@ ARRAY['civilians', 'women', 'children', 'militants', 'security_forces', 'unknown']::text[]);
CREATE UNIQUE INDEX "casualty_reports_one_per_reporter" ON "casualty_reports" ("incident_id", "reported_by_id", "category")
  NULLS NOT DISTINCT WHERE deleted_at IS NULL;

-- Statements.
ALTER TABLE "statements"
  ADD CONSTRAINT "statements_not_own_response" CHECK (responds_to_id <> id),
  ADD CONSTRAINT "statements_summary_not_blank" CHECK (btrim(summary) <> ''),
  ADD CONSTRAINT "statements_language_shape" CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$');

-- The change log is append-only.
CREATE FUNCTION sitrep_reject_change_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the change log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER changes_append_only BEFORE UPDATE OR DELETE ON changes
  FOR EACH ROW EXECUTE FUNCTION sitrep_reject_change_rewrite();

-- API keys.
ALTER TABLE "api_keys"
  ADD CONSTRAINT "api_keys_scopes_known" CHECK (cardinality(scopes) >= 1 AND scopes <@ ARRAY['read', 'write', 'admin']::text[]),
  ADD CONSTRAINT "api_keys_name_not_blank" CHECK (btrim(name) <> '');
