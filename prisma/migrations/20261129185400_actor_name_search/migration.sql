-- Actor search matches the start of any word of a name or alias (LIKE '% word%'), which a btree
-- cannot serve; a trigram index can.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "actor_names_key_trgm_idx" ON "actor_names" USING gin ("key" gin_trgm_ops);
