-- Creates a per-tenant materialized view of order statistics and grants SELECT on it to the tenant-facing role.
-- Unsafe: materialized views have no RLS: the tenant role reads every tenant's statistics.
-- Source: PostgreSQL docs, CREATE MATERIALIZED VIEW; Row Security Policies
-- expect: ban-matview-for-tenant-roles
CREATE MATERIALIZED VIEW tenant_order_stats AS
    SELECT tenant_id, count(*) AS orders, sum(amount) AS revenue FROM orders GROUP BY tenant_id;
CREATE UNIQUE INDEX tenant_order_stats_tenant_idx ON tenant_order_stats (tenant_id);
GRANT SELECT ON tenant_order_stats TO tenant_api;
