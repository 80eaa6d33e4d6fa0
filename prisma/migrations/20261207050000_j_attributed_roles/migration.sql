-- CreateEnum
CREATE TYPE "ActorAttribution" AS ENUM ('confirmed', 'claimed', 'alleged');

-- AlterTable: existing roles are carried forward as confirmed, each given an id.
ALTER TABLE "incident_actors" DROP CONSTRAINT "incident_actors_pkey",
ADD COLUMN     "asserted_by_id" UUID,
ADD COLUMN     "attribution" "ActorAttribution" NOT NULL DEFAULT 'confirmed',
ADD COLUMN     "disputed" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "id" UUID NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE "incident_actors" ALTER COLUMN "id" DROP DEFAULT,
ADD CONSTRAINT "incident_actors_pkey" PRIMARY KEY ("id");

-- CreateTable
CREATE TABLE "incident_actor_statements" (
    "incident_actor_id" UUID NOT NULL,
    "statement_id" UUID NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "incident_actor_statements_pkey" PRIMARY KEY ("incident_actor_id","statement_id")
);

-- CreateIndex
CREATE INDEX "incident_actor_statements_statement_id_idx" ON "incident_actor_statements"("statement_id");

-- CreateIndex
CREATE INDEX "incident_actors_asserted_by_id_idx" ON "incident_actors"("asserted_by_id");

-- AddForeignKey
ALTER TABLE "incident_actors" ADD CONSTRAINT "incident_actors_asserted_by_id_fkey" FOREIGN KEY ("asserted_by_id") REFERENCES "actors"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_actor_statements" ADD CONSTRAINT "incident_actor_statements_incident_actor_id_fkey" FOREIGN KEY ("incident_actor_id") REFERENCES "incident_actors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_actor_statements" ADD CONSTRAINT "incident_actor_statements_statement_id_fkey" FOREIGN KEY ("statement_id") REFERENCES "statements"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: what Prisma's schema cannot express.
-- One role per (incident, actor, role, asserter); two unasserted (confirmed) rows of the same actor and role clash too.
-- Its leading column serves the reads of an incident's roles (the old primary key did).
CREATE UNIQUE INDEX "incident_actors_key" ON "incident_actors" ("incident_id", "actor_id", "role", "asserted_by_id") NULLS NOT DISTINCT;
-- confirmed ⇔ nobody in particular asserts it; claimed ⇒ the actor asserts it of itself.
ALTER TABLE "incident_actors" ADD CONSTRAINT "incident_actors_confirmed_unasserted" CHECK (("attribution" = 'confirmed') = ("asserted_by_id" IS NULL));
ALTER TABLE "incident_actors" ADD CONSTRAINT "incident_actors_claimed_by_itself" CHECK ("attribution" <> 'claimed' OR "asserted_by_id" = "actor_id");
