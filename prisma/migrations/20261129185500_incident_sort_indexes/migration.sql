-- The actor filter reads incident ids from the index alone.
DROP INDEX "incident_actors_actor_id_role_idx";
CREATE INDEX "incident_actors_actor_id_role_incident_id_idx" ON "incident_actors"("actor_id", "role", "incident_id");

-- sort=-fatalities is DESC NULLS LAST; the ascending index read backwards gives NULLS FIRST.
CREATE INDEX "incidents_fatalities_desc_idx" ON "incidents" ("fatalities_best" DESC NULLS LAST, "id" DESC) WHERE deleted_at IS NULL;
