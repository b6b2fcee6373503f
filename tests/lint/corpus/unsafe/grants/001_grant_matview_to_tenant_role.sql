-- Grants SELECT on a materialized view to the tenant-facing role.
-- Unsafe: materialized views have no RLS: the tenant role reads every tenant's aggregate.
-- Source: PostgreSQL docs, CREATE MATERIALIZED VIEW; Row Security Policies
-- expect: ban-matview-for-tenant-roles
GRANT SELECT ON plan_popularity TO tenant_api;
