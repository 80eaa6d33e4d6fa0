-- CreateEnum
CREATE TYPE "RelationKind" AS ENUM ('responds_to', 'part_of', 'follows', 'same_as');

-- CreateTable
CREATE TABLE "incident_relations" (
    "from_id" UUID NOT NULL,
    "to_id" UUID NOT NULL,
    "kind" "RelationKind" NOT NULL,
    "asserted_by_id" UUID,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "incident_relations_pkey" PRIMARY KEY ("from_id","to_id","kind")
);

-- CreateTable
CREATE TABLE "incident_relation_statements" (
    "from_id" UUID NOT NULL,
    "to_id" UUID NOT NULL,
    "kind" "RelationKind" NOT NULL,
    "statement_id" UUID NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "incident_relation_statements_pkey" PRIMARY KEY ("from_id","to_id","kind","statement_id")
);

-- CreateIndex
CREATE INDEX "incident_relations_to_id_kind_idx" ON "incident_relations"("to_id", "kind");

-- CreateIndex
CREATE INDEX "incident_relations_asserted_by_id_idx" ON "incident_relations"("asserted_by_id");

-- CreateIndex
CREATE INDEX "incident_relation_statements_statement_id_idx" ON "incident_relation_statements"("statement_id");

-- AddForeignKey
ALTER TABLE "incident_relations" ADD CONSTRAINT "incident_relations_from_id_fkey" FOREIGN KEY ("from_id") REFERENCES "incidents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_relations" ADD CONSTRAINT "incident_relations_to_id_fkey" FOREIGN KEY ("to_id") REFERENCES "incidents"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_relations" ADD CONSTRAINT "incident_relations_asserted_by_id_fkey" FOREIGN KEY ("asserted_by_id") REFERENCES "actors"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_relation_statements" ADD CONSTRAINT "incident_relation_statements_from_id_to_id_kind_fkey" FOREIGN KEY ("from_id", "to_id", "kind") REFERENCES "incident_relations"("from_id", "to_id", "kind") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "incident_relation_statements" ADD CONSTRAINT "incident_relation_statements_statement_id_fkey" FOREIGN KEY ("statement_id") REFERENCES "statements"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: what Prisma's schema cannot express.
-- No incident relates to itself.
ALTER TABLE "incident_relations" ADD CONSTRAINT "incident_relations_not_self" CHECK ("from_id" <> "to_id");
-- same_as is symmetric: (a, b) and (b, a) are one relation, stored once, on whichever incident stated it first.
CREATE UNIQUE INDEX "incident_relations_same_as_pair_key" ON "incident_relations" (LEAST("from_id", "to_id"), GREATEST("from_id", "to_id")) WHERE "kind" = 'same_as';
