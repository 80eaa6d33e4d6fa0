-- asOf=<timestamp> on lists, exports and stats finds the change log's position at a time with one
-- probe: `at` rises with seq (src/modules/changes/repository.ts), so the last entry at or before a
-- time is the position a snapshot reads up to.
-- CreateIndex
CREATE INDEX "changes_at_seq_idx" ON "changes"("at", "seq");
