-- CreateTable
CREATE TABLE "rate_limits" (
    "key" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "reset_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "rate_limits_reset_at_idx" ON "rate_limits"("reset_at");

-- Hand-written: rate-limit counters are disposable (a crash may reset them), so the table skips the
-- WAL; the upsert on every request then costs no WAL flush.
ALTER TABLE "rate_limits" SET UNLOGGED;
