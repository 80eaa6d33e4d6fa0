-- Least privilege. The API connects as a login role that is a member of sitrep_app, which owns
-- nothing: it cannot create, alter or drop tables, truncate them, nor disable the change log's
-- append-only trigger (ALTER TABLE needs ownership). Migrations run as the owner.
-- A role belongs to the whole cluster, not to one database: it is created once and shared.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sitrep_app') THEN
    CREATE ROLE sitrep_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
  END IF;
EXCEPTION
  -- another database of the cluster migrating at the same moment created it
  WHEN duplicate_object OR unique_violation THEN NULL;
END $$;

-- What the API may do, in one place. Every migration run calls it again (src/db/migrate.ts), so
-- objects that later migrations create are covered whichever role created them; the default
-- privileges below cover them as soon as they exist when the same role runs every migration.
-- A table the API must only append to is listed with the change log.
CREATE FUNCTION sitrep_grant_app_privileges() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  s text := current_schema();
BEGIN
  -- PUBLIC may connect by default; a hardened cluster that revoked it still lets the API in. Only
  -- the database owner may grant it: a migrating role that is not gets a notice, not a failure.
  BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO sitrep_app', current_database());
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'could not grant CONNECT on database % to sitrep_app', current_database();
  END;
  -- Before PostgreSQL 15 every role may create tables in the public schema.
  BEGIN
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', s);
  EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'could not revoke CREATE on schema % from PUBLIC', s;
  END;
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO sitrep_app', s);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO sitrep_app', s);
  EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO sitrep_app', s);
  EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO sitrep_app', s);
  -- Append-only (TRUNCATE skips row triggers, and is granted on no table), and the migration history.
  REVOKE UPDATE, DELETE ON changes FROM sitrep_app;
  REVOKE INSERT, UPDATE, DELETE ON _prisma_migrations FROM sitrep_app;
  REVOKE EXECUTE ON FUNCTION sitrep_grant_app_privileges() FROM PUBLIC, sitrep_app;
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sitrep_app', s);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO sitrep_app', s);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT EXECUTE ON FUNCTIONS TO sitrep_app', s);
END $$;

SELECT sitrep_grant_app_privileges();
