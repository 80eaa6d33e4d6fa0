-- Hand-written: the triggers a bulk insert fires do set-wise work (bench/RESULTS.md, "W11 import").

-- A refresh leaves alone the incidents whose links it would set to what they already hold (compared
-- as jsonb: the same links whatever their spacing). An UPDATE of an incident writes a new row version,
-- recomputes its search vector and touches every index, so the import, which inserts its incidents
-- with their link columns already built, no longer rewrites each incident once per link table.
CREATE OR REPLACE FUNCTION "refresh_incident_actor_links"(ids uuid[]) RETURNS void LANGUAGE sql AS $$
  UPDATE incidents i SET actor_links = x.links
  FROM (SELECT t.id, coalesce((
      SELECT json_agg(json_build_object('id', ia.id, 'actorId', ia.actor_id, 'role', ia.role, 'attribution', ia.attribution,
        'assertedById', ia.asserted_by_id, 'disputed', ia.disputed,
        'statementIds', coalesce((SELECT json_agg(st.statement_id ORDER BY st.position) FROM incident_actor_statements st WHERE st.incident_actor_id = ia.id), '[]'))
        ORDER BY ia.position)
      FROM incident_actors ia WHERE ia.incident_id = t.id), '[]') AS links
    FROM (SELECT DISTINCT unnest(ids) AS id) t) x
  WHERE i.id = x.id AND i.actor_links::jsonb IS DISTINCT FROM x.links::jsonb
$$;

CREATE OR REPLACE FUNCTION "refresh_incident_source_links"(ids uuid[]) RETURNS void LANGUAGE sql AS $$
  UPDATE incidents i SET source_links = x.links
  FROM (SELECT t.id, coalesce((
      SELECT json_agg(json_build_object('sourceId', src.source_id) ORDER BY src.position)
      FROM incident_sources src WHERE src.incident_id = t.id), '[]') AS links
    FROM (SELECT DISTINCT unnest(ids) AS id) t) x
  WHERE i.id = x.id AND i.source_links::jsonb IS DISTINCT FROM x.links::jsonb
$$;

CREATE OR REPLACE FUNCTION "refresh_incident_relation_links"(ids uuid[]) RETURNS void LANGUAGE sql AS $$
  UPDATE incidents i SET relation_links = x.links
  FROM (SELECT t.id, coalesce((
      SELECT json_agg(json_build_object('toId', r.to_id, 'kind', r.kind, 'assertedById', r.asserted_by_id,
        'statementIds', coalesce((SELECT json_agg(rs.statement_id ORDER BY rs.position) FROM incident_relation_statements rs
          WHERE rs.from_id = r.from_id AND rs.to_id = r.to_id AND rs.kind = r.kind), '[]'))
        ORDER BY r.position)
      FROM incident_relations r WHERE r.from_id = t.id), '[]') AS links
    FROM (SELECT DISTINCT unnest(ids) AS id) t) x
  WHERE i.id = x.id AND i.relation_links::jsonb IS DISTINCT FROM x.links::jsonb
$$;

-- New actors get their names once per statement instead of once per row: an import inserts thousands
-- of actors in one statement. Updates (renames, merges, deletes) keep the per-row trigger, which must
-- first delete the names the actor held (and a trigger with a column list cannot see transition tables).
CREATE FUNCTION sitrep_insert_actor_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO actor_names (actor_id, name, is_alias)
  SELECT DISTINCT ON (a.id, sitrep_name_key(n.name)) a.id, n.name, n.ord > 0
  FROM new_rows a
  CROSS JOIN LATERAL (SELECT a.name AS name, 0::bigint AS ord
                      UNION ALL SELECT t.alias, t.ord FROM unnest(a.aliases) WITH ORDINALITY AS t(alias, ord)) n
  WHERE a.deleted_at IS NULL AND a.merged_into_id IS NULL
  ORDER BY a.id, sitrep_name_key(n.name), n.ord;
  RETURN NULL;
END $$;

DROP TRIGGER actors_sync_names ON actors;
CREATE TRIGGER actors_sync_names AFTER UPDATE OF name, aliases, deleted_at, merged_into_id
  ON actors FOR EACH ROW EXECUTE FUNCTION sitrep_sync_actor_names();
CREATE TRIGGER actors_insert_names AFTER INSERT ON actors REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sitrep_insert_actor_names();
