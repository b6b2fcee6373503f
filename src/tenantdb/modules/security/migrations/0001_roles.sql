-- migrate:up
-- The four roles every module grants to, and two of tenantdb's own. They are NOLOGIN group roles: services and
-- people log in as their own roles and are granted one of these (docs/security.md):
--   tenantdb_owner    owns every object of the modules; nobody logs in as it and nothing runs as it but the
--                     SECURITY DEFINER functions (partition upkeep, the tenant context); the role that migrates
--                     is a member. BYPASSRLS, because its functions maintain every tenant's rows (creating it
--                     needs a superuser; create it beforehand on a managed server): an owner can disable its
--                     tables' row-level security anyway, so the attribute gives it nothing more;
--   tenantdb_refresh  the BI refresh: reads every tenant's rows (a member of business_analysts) and writes the
--                     rollups, nothing else. Roles are cluster-wide (every database of the server shares them), so they
-- are created only when missing and never dropped by the down section: another database may use them.
-- A role that already exists with SUPERUSER or BYPASSRLS is refused, because row-level security would not
-- apply to it; the migration never changes an existing role behind its owner's back.
DO $$
DECLARE
    unsafe text;
BEGIN
    SELECT string_agg(rolname, ', ' ORDER BY rolname) INTO unsafe
    FROM pg_roles
    WHERE rolname IN ('application_service', 'tenant_api', 'business_analysts', 'db_administrators',
                      'tenantdb_refresh')
      AND (rolsuper OR rolbypassrls);
    IF unsafe IS NOT NULL THEN
        RAISE EXCEPTION 'role(s) % exist with SUPERUSER or BYPASSRLS: row-level security would not apply to them',
            unsafe
            USING HINT = 'ALTER ROLE ... NOSUPERUSER NOBYPASSRLS (or use another cluster), then migrate again';
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tenantdb_owner'
               AND (rolsuper OR rolcanlogin OR NOT rolbypassrls)) THEN
        RAISE EXCEPTION 'role tenantdb_owner exists but is not a NOLOGIN, non-superuser role with BYPASSRLS'
            USING HINT = 'ALTER ROLE tenantdb_owner NOLOGIN NOSUPERUSER BYPASSRLS, then migrate again';
    END IF;
    -- Each CREATE ROLE tolerates a concurrent creator: another database of the same server migrating right now.
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'application_service') THEN
        BEGIN
            CREATE ROLE application_service NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tenant_api') THEN
        BEGIN
            CREATE ROLE tenant_api NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'business_analysts') THEN
        BEGIN
            CREATE ROLE business_analysts NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'db_administrators') THEN
        BEGIN
            CREATE ROLE db_administrators NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tenantdb_owner') THEN
        BEGIN
            CREATE ROLE tenantdb_owner NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tenantdb_refresh') THEN
        BEGIN
            CREATE ROLE tenantdb_refresh NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    -- The refresh reads what analysts read (every tenant's rows, through their policies).
    GRANT business_analysts TO tenantdb_refresh;
    -- A migration role that is not a superuser becomes a member of the owner, to hand objects to it and to
    -- change them later.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT tenantdb_owner TO %I', current_user);
    END IF;
END
$$;

-- USAGE on the schema the modules are installed in (the first schema of the search_path, like core's tables).
-- Nobody but the migration role may create objects there or in public: a tenant role able to create functions
-- or triggers could plant leaky functions (RELIABILITY R11). PostgreSQL 14 and older grant CREATE on public to
-- PUBLIC by default.
DO $$
BEGIN
    EXECUTE format(
        'GRANT USAGE ON SCHEMA %I TO application_service, tenant_api, business_analysts, db_administrators',
        current_schema()
    );
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO tenantdb_owner', current_schema());
    EXECUTE format(
        'REVOKE CREATE ON SCHEMA %I FROM PUBLIC, application_service, tenant_api, business_analysts',
        current_schema()
    );
    IF current_schema() <> 'public' AND EXISTS (SELECT FROM pg_namespace WHERE nspname = 'public') THEN
        REVOKE CREATE ON SCHEMA public FROM PUBLIC, application_service, tenant_api, business_analysts;
    END IF;
END
$$;

-- core's objects (core comes before this module) go to the owner; every later module hands its own objects over
-- as it creates them, and the verify block reports any object of the schema owned by another role.
ALTER TABLE companies OWNER TO tenantdb_owner;
ALTER TABLE company_slugs OWNER TO tenantdb_owner;
ALTER TABLE users OWNER TO tenantdb_owner;
ALTER TABLE teams OWNER TO tenantdb_owner;
ALTER TABLE team_members OWNER TO tenantdb_owner;
ALTER TABLE licenses OWNER TO tenantdb_owner;
ALTER TABLE audit_logs OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_touch_updated_at() OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_claim_company_slug() OWNER TO tenantdb_owner;

-- migrate:down
-- The roles are not dropped: they are cluster-wide and other databases of the server may use them. What this
-- migration granted in this database is revoked, and core's objects go back to the role rolling back (the
-- memberships granted to roles are cluster-wide too, and stay with them).
ALTER FUNCTION tenantdb_claim_company_slug() OWNER TO CURRENT_USER;
ALTER FUNCTION tenantdb_touch_updated_at() OWNER TO CURRENT_USER;
ALTER TABLE audit_logs OWNER TO CURRENT_USER;
ALTER TABLE licenses OWNER TO CURRENT_USER;
ALTER TABLE team_members OWNER TO CURRENT_USER;
ALTER TABLE teams OWNER TO CURRENT_USER;
ALTER TABLE users OWNER TO CURRENT_USER;
ALTER TABLE company_slugs OWNER TO CURRENT_USER;
ALTER TABLE companies OWNER TO CURRENT_USER;
-- CREATE on the schema is deliberately not given back to PUBLIC: PostgreSQL 15 and newer do not grant it by
-- default (so nothing is lost there), and on older servers giving it back would reopen the hole the up section
-- closed.
DO $$
BEGIN
    EXECUTE format(
        'REVOKE USAGE ON SCHEMA %I FROM application_service, tenant_api, business_analysts, db_administrators',
        current_schema()
    );
    EXECUTE format('REVOKE USAGE, CREATE ON SCHEMA %I FROM tenantdb_owner', current_schema());
END
$$;

-- migrate:verify
-- The isolation contract on roles and privileges, checked over the whole database: it holds for every module
-- and for the project's own migrations, now and after every later migration (RELIABILITY §3.3).
SELECT 'role ' || wanted || ' is missing' AS problem
FROM unnest(ARRAY['application_service', 'tenant_api', 'business_analysts', 'db_administrators']) AS wanted
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = wanted);

SELECT 'role ' || rolname || ' has SUPERUSER or BYPASSRLS: row-level security does not apply to it' AS problem
FROM pg_roles
WHERE rolname IN ('application_service', 'tenant_api', 'business_analysts', 'db_administrators')
  AND (rolsuper OR rolbypassrls);

-- A member of another role may SET ROLE to it: tenant roles must not reach analysts', administrators', owners',
-- bypassing or monitoring roles (RELIABILITY R1, R17, R22).
SELECT format('role %s is a member of %s', member.rolname, grp.rolname) AS problem
FROM pg_roles member
JOIN pg_roles grp ON grp.oid <> member.oid AND pg_has_role(member.oid, grp.oid, 'MEMBER')
WHERE member.rolname IN ('application_service', 'tenant_api', 'business_analysts', 'db_administrators')
  AND (grp.rolsuper
       OR grp.rolbypassrls
       OR grp.rolname IN ('application_service', 'tenant_api', 'business_analysts', 'db_administrators',
                          'tenantdb_owner', 'tenantdb_refresh')
       OR (member.rolname IN ('application_service', 'tenant_api')
           AND grp.rolname IN ('pg_read_all_data', 'pg_write_all_data', 'pg_read_all_stats', 'pg_monitor',
                               'pg_read_all_settings', 'pg_stat_scan_tables', 'pg_signal_backend',
                               'pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program')));

SELECT format('role %s may create objects in schema %I', r.rolname, n.nspname) AS problem
FROM pg_roles r
JOIN pg_namespace n ON has_schema_privilege(r.oid, n.oid, 'CREATE')
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts')
  AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND n.nspname NOT LIKE 'pg\_toast\_temp\_%';

SELECT format('role %s may create schemas in database %I', r.rolname, current_database()) AS problem
FROM pg_roles r
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts')
  AND has_database_privilege(r.oid, current_database(), 'CREATE');

SELECT format('role %s may use schema %I (the ledger or an archive of dropped data, without row-level security)',
              r.rolname, n.nspname) AS problem
FROM pg_roles r
JOIN pg_namespace n ON has_schema_privilege(r.oid, n.oid, 'USAGE')
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts')
  AND (n.nspname = 'tenantdb' OR n.nspname LIKE 'tenantdb\_archive\_%');

-- Table privileges: no TRUNCATE (row-level security does not apply to it), REFERENCES or TRIGGER for tenant
-- roles or analysts (R14); analysts only read; tenant roles write only tables that carry tenant_id (companies:
-- application_service may rename its own company); no materialized view (R9) and no view that runs with its
-- owner's rights (R8) readable by a tenant role.
SELECT format('role %s holds %s on %I.%I', r.rolname, privilege, n.nspname, c.relname) AS problem
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN pg_roles r
CROSS JOIN unnest(ARRAY['TRUNCATE', 'REFERENCES', 'TRIGGER']) AS privilege
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%'
  AND r.rolname IN ('application_service', 'tenant_api', 'business_analysts')
  AND has_table_privilege(r.oid, c.oid, privilege);

SELECT format('role business_analysts may write %I.%I', n.nspname, c.relname) AS problem
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_roles r ON r.rolname = 'business_analysts'
WHERE c.relkind IN ('r', 'p', 'v', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND (has_any_column_privilege(r.oid, c.oid, 'INSERT, UPDATE') OR has_table_privilege(r.oid, c.oid, 'DELETE'));

SELECT format('role %s may write %I.%I, which has no tenant_id: one tenant would change every tenant''s rows',
              r.rolname, n.nspname, c.relname) AS problem
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_roles r ON r.rolname IN ('application_service', 'tenant_api')
WHERE c.relkind IN ('r', 'p', 'v', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT (c.relname = 'companies' AND n.nspname = current_schema())
  AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
  AND (has_any_column_privilege(r.oid, c.oid, 'INSERT, UPDATE') OR has_table_privilege(r.oid, c.oid, 'DELETE'));

SELECT format('role %s may read materialized view %I.%I: materialized views have no row-level security',
              r.rolname, n.nspname, c.relname) AS problem
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_roles r ON r.rolname IN ('application_service', 'tenant_api')
WHERE c.relkind = 'm'
  AND has_table_privilege(r.oid, c.oid, 'SELECT');

SELECT format('role %s may read view %I.%I, which is not security_invoker: it reads with its owner''s rights',
              r.rolname, n.nspname, c.relname) AS problem
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_roles r ON r.rolname IN ('application_service', 'tenant_api')
WHERE c.relkind = 'v'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND has_table_privilege(r.oid, c.oid, 'SELECT')
  AND NOT EXISTS (
      SELECT FROM pg_options_to_table(c.reloptions)
      WHERE option_name = 'security_invoker' AND lower(option_value) IN ('true', 'on', 'yes', '1')
  );

-- Functions (R10, R11): SECURITY DEFINER only with a pinned search_path and without EXECUTE for PUBLIC; no
-- function marked LEAKPROOF (the planner would run it before the row-level security filter).
SELECT format('SECURITY DEFINER function %I.%s(%s) %s', n.nspname, p.proname,
              pg_get_function_identity_arguments(p.oid),
              CASE WHEN NOT EXISTS (SELECT FROM unnest(p.proconfig) AS setting WHERE setting LIKE 'search\_path=%')
                   THEN 'does not pin search_path'
                   ELSE 'is executable by PUBLIC' END) AS problem
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prosecdef
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  AND (NOT EXISTS (SELECT FROM unnest(p.proconfig) AS setting WHERE setting LIKE 'search\_path=%')
       OR p.proacl IS NULL
       OR EXISTS (SELECT FROM aclexplode(p.proacl) AS acl WHERE acl.grantee = 0 AND acl.privilege_type = 'EXECUTE'));

SELECT format('function %I.%s(%s) is LEAKPROOF: the planner may run it before row-level security filters rows',
              n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) AS problem
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.proleakproof
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e');

-- Ownership (R32): every object of the schema belongs to tenantdb_owner, a NOLOGIN role that is neither superuser
-- nor BYPASSRLS, so FORCE ROW LEVEL SECURITY binds it and no connection of a service runs as the owner; and the
-- owner and the refresh are exactly what they are meant to be.
SELECT format('%s %I.%I is owned by %s, not tenantdb_owner', kind, n.nspname, o.name, pg_get_userbyid(o.owner))
    AS problem
FROM (
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
                          WHEN 'f' THEN 'foreign table' ELSE 'table' END AS kind,
           c.relnamespace AS namespace, c.relname::text AS name, c.relowner AS owner
    FROM pg_class c
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e')
    UNION ALL
    SELECT 'function', p.pronamespace, format('%s(%s)', p.proname, pg_get_function_identity_arguments(p.oid)),
           p.proowner
    FROM pg_proc p
    WHERE NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                      AND d.deptype = 'e')
    UNION ALL
    SELECT 'type', t.typnamespace, t.typname::text, t.typowner
    FROM pg_type t
    WHERE t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND t.typrelid <> 0
          AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
) AS o
JOIN pg_namespace n ON n.oid = o.namespace
WHERE n.nspname = current_schema()
  AND o.owner <> (SELECT oid FROM pg_roles WHERE rolname = 'tenantdb_owner');

SELECT format('role %s %s', rolname, CASE WHEN rolcanlogin THEN 'can log in'
                                          WHEN rolsuper THEN 'is a superuser'
                                          ELSE 'bypasses row-level security' END) AS problem
FROM pg_roles
WHERE (rolname = 'tenantdb_owner' AND (rolcanlogin OR rolsuper))
   OR (rolname = 'tenantdb_refresh' AND (rolcanlogin OR rolsuper OR rolbypassrls));

SELECT 'role tenantdb_refresh is not a member of business_analysts: it would refresh from part of the rows'
    AS problem
WHERE NOT pg_has_role('tenantdb_refresh', 'business_analysts', 'USAGE');
