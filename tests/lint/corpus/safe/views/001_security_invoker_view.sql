-- A security_invoker view over orders.
-- Safe: RLS of orders applies to the caller through the view.
-- Source: PostgreSQL docs, CREATE VIEW (security_invoker)
-- expect: none
CREATE VIEW order_totals WITH (security_invoker = true) AS
    SELECT tenant_id, count(*) AS orders, sum(amount) AS revenue FROM orders GROUP BY tenant_id;
GRANT SELECT ON order_totals TO tenant_api;
