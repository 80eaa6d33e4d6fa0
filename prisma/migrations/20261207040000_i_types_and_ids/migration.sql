-- CreateEnum
CREATE TYPE "StatementChannel" AS ENUM ('press_conference', 'press_release', 'interview', 'speech', 'social_media', 'broadcast', 'document', 'other');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "IncidentType" ADD VALUE 'attack_on_civilians';
ALTER TYPE "IncidentType" ADD VALUE 'abduction';
ALTER TYPE "IncidentType" ADD VALUE 'sexual_violence';
ALTER TYPE "IncidentType" ADD VALUE 'looting';
ALTER TYPE "IncidentType" ADD VALUE 'riot';
ALTER TYPE "IncidentType" ADD VALUE 'ceasefire';
ALTER TYPE "IncidentType" ADD VALUE 'agreement';
ALTER TYPE "IncidentType" ADD VALUE 'negotiation';
ALTER TYPE "IncidentType" ADD VALUE 'border_closure';
ALTER TYPE "IncidentType" ADD VALUE 'displacement';
ALTER TYPE "IncidentType" ADD VALUE 'policy_measure';
ALTER TYPE "IncidentType" ADD VALUE 'territory_change';

-- AlterTable
ALTER TABLE "incidents" ADD COLUMN     "acled_event_id" TEXT,
ADD COLUMN     "gdelt_event_id" TEXT,
ADD COLUMN     "ucdp_ged_id" TEXT;

-- AlterTable
ALTER TABLE "sources" ADD COLUMN     "archive_url" TEXT,
ADD COLUMN     "author" TEXT;

-- AlterTable
ALTER TABLE "statements" ADD COLUMN     "channel" "StatementChannel",
ADD COLUMN     "original_language" TEXT,
ADD COLUMN     "original_quote" TEXT,
ADD COLUMN     "place" TEXT;


-- Hand-written (Prisma cannot express these).

-- Full-text search also covers the original quote: a generated column cannot change its expression
-- in place on PostgreSQL before 17, so it is rebuilt. 'simple' because the original is in any language.
DROP INDEX "statements_search_idx";
ALTER TABLE "statements" DROP COLUMN "search";
ALTER TABLE "statements" ADD COLUMN "search" tsvector
  GENERATED ALWAYS AS (to_tsvector('english'::regconfig, ((summary || ' '::text) || COALESCE(quote, ''::text))) || to_tsvector('simple'::regconfig, COALESCE(original_quote, ''::text))) STORED;
CREATE INDEX "statements_search_idx" ON "statements" USING gin ("search") WHERE deleted_at IS NULL;

ALTER TABLE "statements"
  ADD CONSTRAINT "statements_original_quote_has_language" CHECK ((original_quote IS NULL) = (original_language IS NULL)),
  ADD CONSTRAINT "statements_original_language_shape" CHECK (original_language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  ADD CONSTRAINT "statements_original_quote_not_empty" CHECK (original_quote <> ''),
  ADD CONSTRAINT "statements_place_not_blank" CHECK (btrim(place) <> '' AND char_length(place) <= 300);

ALTER TABLE "sources"
  ADD CONSTRAINT "sources_author_length" CHECK (btrim(author) <> '' AND char_length(author) <= 200),
  ADD CONSTRAINT "sources_archive_url_shape" CHECK (archive_url ~ '^https?://');

-- A dataset's event id names one live incident at most; a deleted incident frees it.
ALTER TABLE "incidents"
  ADD CONSTRAINT "incidents_external_ids_not_blank" CHECK (btrim(acled_event_id) <> '' AND btrim(ucdp_ged_id) <> '' AND btrim(gdelt_event_id) <> '');
CREATE UNIQUE INDEX "incidents_acled_event_id_key" ON "incidents" ("acled_event_id") WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX "incidents_ucdp_ged_id_key" ON "incidents" ("ucdp_ged_id") WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX "incidents_gdelt_event_id_key" ON "incidents" ("gdelt_event_id") WHERE deleted_at IS NULL;
