-- AlterTable
ALTER TABLE "incidents" ADD COLUMN     "actor_links" JSON NOT NULL DEFAULT '[]',
ADD COLUMN     "relation_links" JSON NOT NULL DEFAULT '[]',
ADD COLUMN     "source_links" JSON NOT NULL DEFAULT '[]';

-- Hand-written: an incident's links as its views show them, kept current by the database.
-- A list page read its links with a subquery per row and link table (and one per role for the role's
-- statements); reading them with the row costs a page a third of that (bench/RESULTS.md, issue 14).
-- The link tables stay the truth (keys, foreign keys, checks); these columns follow them through
-- statement-level triggers, so every write path (API, import, merges, derived refreshes, cascades)
-- keeps them current in its own transaction, and a bulk write refreshes each incident once.

CREATE FUNCTION "refresh_incident_actor_links"(ids uuid[]) RETURNS void LANGUAGE sql AS $$
  UPDATE incidents i SET actor_links = coalesce((
    SELECT json_agg(json_build_object('id', ia.id, 'actorId', ia.actor_id, 'role', ia.role, 'attribution', ia.attribution,
      'assertedById', ia.asserted_by_id, 'disputed', ia.disputed,
      'statementIds', coalesce((SELECT json_agg(st.statement_id ORDER BY st.position) FROM incident_actor_statements st WHERE st.incident_actor_id = ia.id), '[]'))
      ORDER BY ia.position)
    FROM incident_actors ia WHERE ia.incident_id = i.id), '[]')
  WHERE i.id = ANY(ids)
$$;

CREATE FUNCTION "refresh_incident_source_links"(ids uuid[]) RETURNS void LANGUAGE sql AS $$
  UPDATE incidents i SET source_links = coalesce((
    SELECT json_agg(json_build_object('sourceId', src.source_id) ORDER BY src.position)
    FROM incident_sources src WHERE src.incident_id = i.id), '[]')
  WHERE i.id = ANY(ids)
$$;

CREATE FUNCTION "refresh_incident_relation_links"(ids uuid[]) RETURNS void LANGUAGE sql AS $$
  UPDATE incidents i SET relation_links = coalesce((
    SELECT json_agg(json_build_object('toId', r.to_id, 'kind', r.kind, 'assertedById', r.asserted_by_id,
      'statementIds', coalesce((SELECT json_agg(rs.statement_id ORDER BY rs.position) FROM incident_relation_statements rs
        WHERE rs.from_id = r.from_id AND rs.to_id = r.to_id AND rs.kind = r.kind), '[]'))
      ORDER BY r.position)
    FROM incident_relations r WHERE r.from_id = i.id), '[]')
  WHERE i.id = ANY(ids)
$$;

-- One trigger function per link table: which incidents the changed rows belong to. The transition
-- tables exist only for the events that have them, so each branch reads only its own.
CREATE FUNCTION "incident_actors_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM refresh_incident_actor_links(ARRAY(SELECT DISTINCT incident_id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM refresh_incident_actor_links(ARRAY(SELECT DISTINCT incident_id FROM old_rows));
  ELSE
    PERFORM refresh_incident_actor_links(ARRAY(SELECT incident_id FROM new_rows UNION SELECT incident_id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION "incident_actor_statements_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM refresh_incident_actor_links(ARRAY(SELECT DISTINCT ia.incident_id FROM new_rows n JOIN incident_actors ia ON ia.id = n.incident_actor_id));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM refresh_incident_actor_links(ARRAY(SELECT DISTINCT ia.incident_id FROM old_rows o JOIN incident_actors ia ON ia.id = o.incident_actor_id));
  ELSE
    PERFORM refresh_incident_actor_links(ARRAY(SELECT ia.incident_id FROM incident_actors ia
      WHERE ia.id IN (SELECT incident_actor_id FROM new_rows UNION SELECT incident_actor_id FROM old_rows)));
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION "incident_sources_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM refresh_incident_source_links(ARRAY(SELECT DISTINCT incident_id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM refresh_incident_source_links(ARRAY(SELECT DISTINCT incident_id FROM old_rows));
  ELSE
    PERFORM refresh_incident_source_links(ARRAY(SELECT incident_id FROM new_rows UNION SELECT incident_id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;

-- incident_relations and incident_relation_statements both carry from_id: one function serves both.
CREATE FUNCTION "incident_relations_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM refresh_incident_relation_links(ARRAY(SELECT DISTINCT from_id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM refresh_incident_relation_links(ARRAY(SELECT DISTINCT from_id FROM old_rows));
  ELSE
    PERFORM refresh_incident_relation_links(ARRAY(SELECT from_id FROM new_rows UNION SELECT from_id FROM old_rows));
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "incident_actors_links_insert" AFTER INSERT ON "incident_actors" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_actors_changed();
CREATE TRIGGER "incident_actors_links_update" AFTER UPDATE ON "incident_actors" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_actors_changed();
CREATE TRIGGER "incident_actors_links_delete" AFTER DELETE ON "incident_actors" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_actors_changed();

CREATE TRIGGER "incident_actor_statements_links_insert" AFTER INSERT ON "incident_actor_statements" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_actor_statements_changed();
CREATE TRIGGER "incident_actor_statements_links_update" AFTER UPDATE ON "incident_actor_statements" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_actor_statements_changed();
CREATE TRIGGER "incident_actor_statements_links_delete" AFTER DELETE ON "incident_actor_statements" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_actor_statements_changed();

CREATE TRIGGER "incident_sources_links_insert" AFTER INSERT ON "incident_sources" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_sources_changed();
CREATE TRIGGER "incident_sources_links_update" AFTER UPDATE ON "incident_sources" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_sources_changed();
CREATE TRIGGER "incident_sources_links_delete" AFTER DELETE ON "incident_sources" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_sources_changed();

CREATE TRIGGER "incident_relations_links_insert" AFTER INSERT ON "incident_relations" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_relations_changed();
CREATE TRIGGER "incident_relations_links_update" AFTER UPDATE ON "incident_relations" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_relations_changed();
CREATE TRIGGER "incident_relations_links_delete" AFTER DELETE ON "incident_relations" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_relations_changed();

CREATE TRIGGER "incident_relation_statements_links_insert" AFTER INSERT ON "incident_relation_statements" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_relations_changed();
CREATE TRIGGER "incident_relation_statements_links_update" AFTER UPDATE ON "incident_relation_statements" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_relations_changed();
CREATE TRIGGER "incident_relation_statements_links_delete" AFTER DELETE ON "incident_relation_statements" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION incident_relations_changed();

-- Existing incidents carried forward.
SELECT refresh_incident_actor_links(ARRAY(SELECT id FROM incidents));
SELECT refresh_incident_source_links(ARRAY(SELECT id FROM incidents));
SELECT refresh_incident_relation_links(ARRAY(SELECT id FROM incidents));
