-- Creates a per-tenant rollup with CREATE TABLE AS and no RLS.
-- Unsafe: rollups hold tenant rows too and are the tables most often left open.
-- Source: PostgreSQL docs, CREATE TABLE AS; Row Security Policies
-- expect: require-rls-on-tenant-table, require-primary-key
CREATE TABLE order_rollup AS
    SELECT tenant_id, date_trunc('month', created_at) AS month, sum(amount) AS revenue
    FROM orders GROUP BY 1, 2;
