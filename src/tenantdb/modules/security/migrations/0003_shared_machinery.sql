-- migrate:up
-- What every tenant shares in this database and the tenant and analyst roles never need (RELIABILITY R28, R29):
--   advisory locks: the runner's and the BI refresh's locks are advisory; a tenant able to take them first would
--     stall every migration and refresh (and a lock is a channel between tenants);
--   large objects: they have no row-level security (a tenant could park data outside its tenant);
--   temporary tables: the same, for the length of a session.
-- PostgreSQL grants all three to PUBLIC. They are revoked from PUBLIC in this database and granted back to
-- db_administrators and tenantdb_refresh (which locks its month and builds temporary working tables); the tenant
-- roles and business_analysts have no grant of their own. Superusers and the
-- migration role that installs the modules keep them. A service of your own that needs one of them in this
-- database (a job queue using advisory locks, say) gets its own grant:
--   GRANT EXECUTE ON FUNCTION pg_advisory_xact_lock(bigint) TO queue_worker;
--   GRANT TEMPORARY ON DATABASE mydb TO reporting;
-- The down section gives PUBLIC back exactly PostgreSQL's defaults.
DO $$
DECLARE
    fn        regprocedure;
    -- the installing role keeps what it needs (the runner's lock); a superuser needs no grant
    grantees  text := CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                           THEN 'db_administrators, tenantdb_refresh'
                           ELSE format('db_administrators, tenantdb_refresh, %I', current_user) END;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure
        FROM pg_proc p
        WHERE p.pronamespace = 'pg_catalog'::regnamespace
          AND (p.proname ~ '^pg_(try_)?advisory_' OR p.proname IN ('lo_create', 'lo_creat', 'lo_from_bytea'))
        ORDER BY 1
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', fn);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', fn, grantees);
    END LOOP;
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %s', current_database(), grantees);
END
$$;

-- migrate:down
DO $$
DECLARE
    fn        regprocedure;
    -- the installing role keeps what it needs (the runner's lock); a superuser needs no grant
    grantees  text := CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                           THEN 'db_administrators, tenantdb_refresh'
                           ELSE format('db_administrators, tenantdb_refresh, %I', current_user) END;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure
        FROM pg_proc p
        WHERE p.pronamespace = 'pg_catalog'::regnamespace
          AND (p.proname ~ '^pg_(try_)?advisory_' OR p.proname IN ('lo_create', 'lo_creat', 'lo_from_bytea'))
        ORDER BY 1
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %s', fn, grantees);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', fn);
    END LOOP;
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM %s', current_database(), grantees);
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
END
$$;

-- migrate:verify
SELECT format('role %s may execute %s: it could hold tenantdb''s advisory locks or park data outside row-level '
              'security', r.rolname, p.oid::regprocedure) AS problem
FROM pg_proc p
CROSS JOIN pg_roles r
WHERE p.pronamespace = 'pg_catalog'::regnamespace
  AND (p.proname ~ '^pg_(try_)?advisory_' OR p.proname IN ('lo_create', 'lo_creat', 'lo_from_bytea'))
  AND r.rolname IN ('application_service', 'tenant_api', 'business_analysts')
  AND has_function_privilege(r.oid, p.oid, 'EXECUTE');

SELECT format('role %s may create temporary tables in database %I (they have no row-level security)',
              r.rolname, current_database()) AS problem
FROM pg_roles r
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts')
  AND has_database_privilege(r.oid, current_database(), 'TEMPORARY');

-- A service logs in as a role of its own, a member of the tenant role it acts as (`tenantdb roles login`), with
-- timeouts as its session defaults: the group roles' own settings never apply (PostgreSQL applies a role's
-- defaults only to the role a session logs in as), and without them one request can hold a lock on a table every
-- tenant uses for as long as it likes (RELIABILITY R28).
SELECT format('login role %s acts as %s without a %s default: its requests can hold locks every tenant waits '
              'behind (tenantdb roles login sets them)', r.rolname, g.rolname, wanted) AS problem
FROM pg_roles r
JOIN pg_auth_members m ON m.member = r.oid
JOIN pg_roles g ON g.oid = m.roleid AND g.rolname IN ('application_service', 'tenant_api')
CROSS JOIN unnest(ARRAY['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout']) AS wanted
WHERE r.rolcanlogin
  AND NOT EXISTS (
      SELECT FROM pg_db_role_setting d CROSS JOIN unnest(d.setconfig) AS s (setting)
      WHERE d.setrole = r.oid
        AND d.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
        AND s.setting LIKE wanted || '=%'
        AND s.setting <> wanted || '=0'
  );
