-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('pending', 'succeeded', 'failed');

-- CreateTable
CREATE TABLE "webhooks" (
    "id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "filter" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "secret" TEXT NOT NULL,
    "previous_secret" TEXT,
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "position" BIGINT NOT NULL,
    "failing_since" TIMESTAMPTZ(3),
    "disabled_at" TIMESTAMPTZ(3),
    "disabled_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "webhook_id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "event_type" TEXT NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "retry_step" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_response_code" INTEGER,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_deliveries_seq_idx" ON "webhook_deliveries"("seq");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_webhook_id_seq_key" ON "webhook_deliveries"("webhook_id", "seq");

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_fkey" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_seq_fkey" FOREIGN KEY ("seq") REFERENCES "changes"("seq") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: what Prisma's schema cannot express.
ALTER TABLE "webhooks"
  ALTER COLUMN "events" SET NOT NULL,
  ADD CONSTRAINT "webhooks_events_known" CHECK (cardinality("events") BETWEEN 1 AND 50 AND
    array_to_string("events", ',') ~ '^((actor|source|incident|casualtyReport|statement|\*)\.(created|updated|deleted|\*))(,(actor|source|incident|casualtyReport|statement|\*)\.(created|updated|deleted|\*))*$'),
  ADD CONSTRAINT "webhooks_url_http" CHECK ("url" ~ '^https?://[^/?#@\s]+' AND length("url") <= 2000),
  ADD CONSTRAINT "webhooks_secret_shape" CHECK ("secret" ~ '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$'),
  ADD CONSTRAINT "webhooks_previous_secret_shape" CHECK ("previous_secret" ~ '^whsec_[A-Za-z0-9+/]{32,88}={0,2}$'),
  -- an old secret signs only until its grace period ends
  ADD CONSTRAINT "webhooks_previous_secret_expires" CHECK (("previous_secret" IS NULL) = ("previous_secret_expires_at" IS NULL)),
  ADD CONSTRAINT "webhooks_filter_length" CHECK (length("filter") BETWEEN 1 AND 4000),
  ADD CONSTRAINT "webhooks_position_nonnegative" CHECK ("position" >= 0),
  ADD CONSTRAINT "webhooks_version_positive" CHECK ("version" >= 1),
  -- only a disabled subscription says why it was disabled
  ADD CONSTRAINT "webhooks_disabled_reason" CHECK ("enabled" = false OR ("disabled_reason" IS NULL AND "disabled_at" IS NULL));

ALTER TABLE "webhook_deliveries"
  ADD CONSTRAINT "webhook_deliveries_attempts" CHECK ("attempts" >= 0 AND "retry_step" BETWEEN 0 AND "attempts"),
  ADD CONSTRAINT "webhook_deliveries_response_code" CHECK ("last_response_code" BETWEEN 100 AND 599),
  ADD CONSTRAINT "webhook_deliveries_event_type" CHECK ("event_type" ~ '^(actor|source|incident|casualtyReport|statement)\.(created|updated|deleted)$'),
  ADD CONSTRAINT "webhook_deliveries_succeeded_at" CHECK (("status" = 'succeeded') = ("delivered_at" IS NOT NULL));

-- The worker's reads: a subscription's oldest pending delivery (change order), and the due ones.
CREATE INDEX "webhook_deliveries_pending" ON "webhook_deliveries" ("webhook_id", "seq") WHERE "status" = 'pending';
CREATE INDEX "webhook_deliveries_due" ON "webhook_deliveries" ("next_attempt_at") WHERE "status" = 'pending';
