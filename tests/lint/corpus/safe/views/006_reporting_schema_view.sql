-- A security_invoker view in the reporting schema, granted SELECT to business_analysts.
-- Safe: RLS still applies; analysts only read.
-- Source: PostgreSQL docs, CREATE VIEW; GRANT
-- expect: none
CREATE VIEW reporting.monthly_orders WITH (security_invoker = true) AS
    SELECT tenant_id, date_trunc('month', created_at) AS month, count(*) AS orders
    FROM orders GROUP BY 1, 2;
GRANT USAGE ON SCHEMA reporting TO business_analysts;
GRANT SELECT ON reporting.monthly_orders TO business_analysts;
