-- Full-text search over summary and quote (websearch_to_tsquery('english', q)).
ALTER TABLE "statements" ADD COLUMN "search" tsvector
  GENERATED ALWAYS AS (to_tsvector('english'::regconfig, ((summary || ' '::text) || COALESCE(quote, ''::text)))) STORED;
CREATE INDEX "statements_search_idx" ON "statements" USING gin ("search") WHERE deleted_at IS NULL;

-- Keyset orders of the statement list and the timeline.
CREATE INDEX "statements_stated_idx" ON "statements" ("stated_at", "id") WHERE deleted_at IS NULL;
CREATE INDEX "statements_updated_idx" ON "statements" ("updated_at", "id") WHERE deleted_at IS NULL;
CREATE INDEX "statements_kind_stated_idx" ON "statements" ("kind", "stated_at", "id") WHERE deleted_at IS NULL;

-- A merged actor is no longer listed; lists filter on it with deleted_at.
CREATE INDEX "actors_merged_into_idx" ON "actors" ("merged_into_id") WHERE merged_into_id IS NOT NULL;
