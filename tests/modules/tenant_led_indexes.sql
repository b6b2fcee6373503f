-- Verify SQL for the security module (RELIABILITY R26), kept tests-side until the security module's owner adds it
-- to a migrate:verify section; tests/modules/test_security_indexes.py runs it over every module.
--
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
