-- migrate:up
-- The policy set of every tenant table (the text other modules copy, with their table's name):
--   tenant_isolation  (permissive) the tenant roles see and write only the current tenant's rows;
--   tenant_guard      (RESTRICTIVE) the same predicate again, so a permissive policy added later by mistake
--                     (`CREATE POLICY ... USING (true)`, which applies TO PUBLIC when no role is named) cannot
--                     widen what a tenant role sees or writes;
--   analysts_read     business_analysts read every tenant's rows (BI), and only read;
--   administrators_manage  db_administrators manage every tenant's rows.
-- The current tenant is `(SELECT tenantdb_current_tenant())` (security 0002): the plain setting
-- app.current_tenant_id, or once a signing key is installed the verified app.tenant_context token; evaluated once
-- per statement (an InitPlan), so an index led by tenant_id serves the predicate. Unset, empty (after a committed
-- SET LOCAL), forged or expired, it is NULL and matches no row, so a missing tenant context fails closed without
-- an error. Set it with set_config(..., true) inside the request's transaction (tenantdb.db.tenant_transaction).
-- Every table is FORCEd, so the owner is subject to the policies too (superusers and BYPASSRLS roles never are).

-- companies is the tenant itself: a tenant sees (and application_service may rename) only its own row.
-- Creating, suspending and deleting tenants is for db_administrators.
ALTER TABLE companies ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON companies TO application_service, tenant_api
    USING (id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON companies AS RESTRICTIVE TO application_service, tenant_api
    USING (id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON companies FOR SELECT TO business_analysts USING (true);
CREATE POLICY administrators_manage ON companies TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT ON companies TO application_service, tenant_api, business_analysts;
GRANT UPDATE (name) ON companies TO application_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON companies TO db_administrators;
-- company_slugs holds the slugs' global uniqueness for the platform (core 0001): no tenant role reads it.
GRANT SELECT, INSERT, UPDATE, DELETE ON company_slugs TO db_administrators;
GRANT SELECT ON company_slugs TO business_analysts;

ALTER TABLE users ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON users AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON users FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON users TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON users TO application_service, tenant_api, db_administrators;
GRANT SELECT ON users TO business_analysts;

ALTER TABLE teams ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON teams TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON teams AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON teams FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON teams TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON teams TO application_service, tenant_api, db_administrators;
GRANT SELECT ON teams TO business_analysts;

ALTER TABLE team_members ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON team_members TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON team_members AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON team_members FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON team_members TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON team_members TO application_service, tenant_api, db_administrators;
GRANT SELECT ON team_members TO business_analysts;

ALTER TABLE licenses ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON licenses TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON licenses AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON licenses FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON licenses TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON licenses TO application_service, tenant_api, db_administrators;
GRANT SELECT ON licenses TO business_analysts;

-- migrate:down
REVOKE SELECT ON licenses FROM business_analysts;
REVOKE SELECT, INSERT, UPDATE, DELETE ON licenses FROM application_service, tenant_api, db_administrators;
DROP POLICY administrators_manage ON licenses;
DROP POLICY analysts_read ON licenses;
DROP POLICY tenant_guard ON licenses;
DROP POLICY tenant_isolation ON licenses;
ALTER TABLE licenses NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;

REVOKE SELECT ON team_members FROM business_analysts;
REVOKE SELECT, INSERT, UPDATE, DELETE ON team_members FROM application_service, tenant_api, db_administrators;
DROP POLICY administrators_manage ON team_members;
DROP POLICY analysts_read ON team_members;
DROP POLICY tenant_guard ON team_members;
DROP POLICY tenant_isolation ON team_members;
ALTER TABLE team_members NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;

REVOKE SELECT ON teams FROM business_analysts;
REVOKE SELECT, INSERT, UPDATE, DELETE ON teams FROM application_service, tenant_api, db_administrators;
DROP POLICY administrators_manage ON teams;
DROP POLICY analysts_read ON teams;
DROP POLICY tenant_guard ON teams;
DROP POLICY tenant_isolation ON teams;
ALTER TABLE teams NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;

REVOKE SELECT ON users FROM business_analysts;
REVOKE SELECT, INSERT, UPDATE, DELETE ON users FROM application_service, tenant_api, db_administrators;
DROP POLICY administrators_manage ON users;
DROP POLICY analysts_read ON users;
DROP POLICY tenant_guard ON users;
DROP POLICY tenant_isolation ON users;
ALTER TABLE users NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;

REVOKE SELECT ON company_slugs FROM business_analysts;
REVOKE SELECT, INSERT, UPDATE, DELETE ON company_slugs FROM db_administrators;
REVOKE SELECT, INSERT, UPDATE, DELETE ON companies FROM db_administrators;
REVOKE UPDATE (name) ON companies FROM application_service;
REVOKE SELECT ON companies FROM application_service, tenant_api, business_analysts;
DROP POLICY administrators_manage ON companies;
DROP POLICY analysts_read ON companies;
DROP POLICY tenant_guard ON companies;
DROP POLICY tenant_isolation ON companies;
ALTER TABLE companies NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;

-- migrate:verify
-- The isolation contract on tables, checked over the whole database (every module and the project's own
-- migrations): every table with a tenant_id column, and companies, has row-level security enabled and forced
-- (RELIABILITY R1, R2, R19) ...
WITH tenant_tables AS (
    SELECT c.oid, n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND NOT c.relispartition
      AND n.nspname NOT IN ('information_schema', 'tenantdb')
      AND n.nspname NOT LIKE 'pg\_%'
      AND n.nspname NOT LIKE 'tenantdb\_archive\_%'
      AND ((c.relname = 'companies' AND n.nspname = current_schema())
           OR EXISTS (SELECT FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
)
SELECT format('%I.%I holds tenants'' rows but row-level security is not enabled and forced', nspname, relname)
    AS problem
FROM tenant_tables
WHERE NOT (relrowsecurity AND relforcerowsecurity);

-- ... and carries the RESTRICTIVE tenant guard for both tenant roles, with the exact predicate, on every command
-- (R12: a careless permissive policy added later cannot widen a tenant's reach) ...
WITH tenant_tables AS (
    SELECT c.oid, n.nspname, c.relname,
           CASE WHEN c.relname = 'companies' AND n.nspname = current_schema() THEN 'id' ELSE 'tenant_id' END
               AS tenant_key
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND NOT c.relispartition
      AND n.nspname NOT IN ('information_schema', 'tenantdb')
      AND n.nspname NOT LIKE 'pg\_%'
      AND n.nspname NOT LIKE 'tenantdb\_archive\_%'
      AND ((c.relname = 'companies' AND n.nspname = current_schema())
           OR EXISTS (SELECT FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
)
SELECT format('%I.%I has no RESTRICTIVE policy for application_service and tenant_api with USING and WITH CHECK '
              '(%s = (SELECT tenantdb_current_tenant()))',
              t.nspname, t.relname, t.tenant_key) AS problem
FROM tenant_tables t
WHERE NOT EXISTS (
    SELECT FROM pg_policy p
    WHERE p.polrelid = t.oid
      AND NOT p.polpermissive
      AND p.polcmd = '*'
      AND (0 = ANY (p.polroles)
           OR ((SELECT oid FROM pg_roles WHERE rolname = 'application_service') = ANY (p.polroles)
               AND (SELECT oid FROM pg_roles WHERE rolname = 'tenant_api') = ANY (p.polroles)))
      AND pg_get_expr(p.polqual, p.polrelid)
          = format('(%I = ( SELECT tenantdb_current_tenant() AS tenantdb_current_tenant))',
                   t.tenant_key)
      AND pg_get_expr(p.polwithcheck, p.polrelid)
          = format('(%I = ( SELECT tenantdb_current_tenant() AS tenantdb_current_tenant))',
                   t.tenant_key)
);

-- ... every policy reads settings as NULLIF(current_setting(name, true), ''), so a missing or cleared tenant
-- context matches no row instead of raising an error (R23) ...
SELECT DISTINCT format('policy %s on %I.%I reads current_setting() without NULLIF(current_setting(..., true), '''')',
                       p.polname, n.nspname, c.relname) AS problem
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL (VALUES (pg_get_expr(p.polqual, p.polrelid)), (pg_get_expr(p.polwithcheck, p.polrelid)))
    AS e (expression)
WHERE e.expression LIKE '%current\_setting(%'
  AND regexp_replace(e.expression, 'NULLIF\(current_setting\(''[^'']*''::text, true\), ''''::text\)', '', 'g')
      LIKE '%current\_setting(%';

-- ... and a partition of a tenant table (policies apply only through its parent) is not reachable directly by a
-- tenant role unless it has row-level security of its own.
SELECT format('partition %I.%I is reachable by %s directly, without row-level security of its own',
              n.nspname, c.relname, r.rolname) AS problem
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_roles r ON r.rolname IN ('application_service', 'tenant_api')
WHERE c.relispartition
  AND c.relkind IN ('r', 'p')
  AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
  AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
  AND has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE');

-- Every index of every table holding tenants' rows leads with the tenant key (companies: id; everything else,
-- partitions included: tenant_id), whatever its kind: primary key, unique or exclusion constraint, partial,
-- expression, BRIN. An index led by another column serves a tenant's predicate on that column with the
-- row-level security predicate as a mere filter, and EXPLAIN ANALYZE's "Rows Removed by Filter" then counts
-- other tenants' matching rows.
WITH tenant_tables AS (
    SELECT c.oid, n.nspname, c.relname,
           CASE WHEN c.relname = 'companies' AND n.nspname = current_schema() THEN 'id' ELSE 'tenant_id' END
               AS tenant_key
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND n.nspname NOT IN ('information_schema', 'tenantdb')
      AND n.nspname NOT LIKE 'pg\_%'
      AND n.nspname NOT LIKE 'tenantdb\_archive\_%'
      AND ((c.relname = 'companies' AND n.nspname = current_schema())
           OR EXISTS (SELECT FROM pg_attribute a
                      WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
)
SELECT format('index %I.%I on %I.%I does not lead with %s: row-level security filters other tenants'' rows out '
              'of its scans, and EXPLAIN ANALYZE counts them', t.nspname, x.relname, t.nspname, t.relname,
              t.tenant_key) AS problem
FROM tenant_tables t
JOIN pg_index i ON i.indrelid = t.oid
JOIN pg_class x ON x.oid = i.indexrelid
WHERE i.indkey[0] IS DISTINCT FROM (SELECT a.attnum FROM pg_attribute a
                                    WHERE a.attrelid = t.oid AND a.attname = t.tenant_key AND NOT a.attisdropped);

-- A table of per-company platform data keyed by the company without tenant_id (company_slugs: the globally
-- unique slug, whose index cannot lead with the tenant) is for platform roles only: a tenant role able to name
-- one of its columns could scan that index with its own predicate.
SELECT DISTINCT format('role %s may read %I.%I, per-company platform data without tenant_id: its indexes do not '
                       'lead with the tenant', r.rolname, n.nspname, c.relname) AS problem
FROM pg_constraint f
JOIN pg_class c ON c.oid = f.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_roles r ON r.rolname IN ('application_service', 'tenant_api')
WHERE f.contype = 'f'
  AND f.confrelid = to_regclass(format('%I.companies', current_schema()))
  AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
  AND has_any_column_privilege(r.oid, c.oid, 'SELECT');

-- No BRIN index on a tenant table, even one led by tenant_id: it summarizes block ranges that several tenants'
-- rows share, so its scans recheck (and count) other tenants' rows.
SELECT format('index %I.%I on %I.%I is a BRIN index: its block ranges hold several tenants'' rows, which its '
              'scans recheck and EXPLAIN ANALYZE counts', n.nspname, x.relname, n.nspname, c.relname) AS problem
FROM pg_index i
JOIN pg_class x ON x.oid = i.indexrelid
JOIN pg_am am ON am.oid = x.relam AND am.amname = 'brin'
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped);
