-- AlterEnum
ALTER TYPE "CasualtyQualifier" ADD VALUE 'unquantified';

-- AlterTable
ALTER TABLE "casualty_reports" ADD COLUMN     "affected_actor_id" UUID,
ADD COLUMN     "phrase" TEXT;

-- CreateIndex
CREATE INDEX "casualty_reports_affected_actor_id_idx" ON "casualty_reports"("affected_actor_id");

-- AddForeignKey
ALTER TABLE "casualty_reports" ADD CONSTRAINT "casualty_reports_affected_actor_id_fkey" FOREIGN KEY ("affected_actor_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Hand-written. An unquantified figure ("multiple fatalities") carries the source's words and the
-- least number they imply, and no upper bound; no other qualifier carries words. The new enum value
-- cannot be named in the transaction that adds it, so the checks compare its text.
ALTER TABLE "casualty_reports"
  ADD CONSTRAINT "casualty_reports_phrase_only_unquantified" CHECK ((qualifier::text = 'unquantified') = (phrase IS NOT NULL)),
  ADD CONSTRAINT "casualty_reports_unquantified_bounds" CHECK (qualifier::text <> 'unquantified' OR (min >= 1 AND max IS NULL)),
  ADD CONSTRAINT "casualty_reports_phrase_shape" CHECK (char_length(phrase) <= 40 AND btrim(phrase) <> '');

-- One live report per incident, reporter, affected party and category: a reporter may give
-- separate figures for civilians and for soldiers. Existing reports have no affected party, so the
-- old key's uniqueness carries over.
DROP INDEX "casualty_reports_one_per_reporter";
CREATE UNIQUE INDEX "casualty_reports_one_per_reporter" ON "casualty_reports" ("incident_id", "reported_by_id", "affected_actor_id", "category")
  NULLS NOT DISTINCT WHERE deleted_at IS NULL;

-- The casualty ledger (GET /v1/casualties) pages live reports in these orders.
CREATE INDEX "casualty_reports_live_created_idx" ON "casualty_reports" ("created_at", "id") WHERE deleted_at IS NULL;
CREATE INDEX "casualty_reports_live_reported_idx" ON "casualty_reports" ("reported_at", "id") WHERE deleted_at IS NULL;
