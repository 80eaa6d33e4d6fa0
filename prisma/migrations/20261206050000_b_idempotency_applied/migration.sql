-- AlterTable
ALTER TABLE "idempotency_records" ADD COLUMN     "applied_at" TIMESTAMPTZ(3),
ADD COLUMN     "claim_id" UUID,
ADD COLUMN     "entity_id" UUID;
