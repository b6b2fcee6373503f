-- Creates a view over orders without security_invoker.
-- Unsafe: the view runs with its owner's rights; the owner bypasses RLS, so every tenant sees every tenant's
--   totals.
-- Source: issue 15, reference customer's classes: views that bypass RLS because their owner does; PostgreSQL docs,
--   CREATE VIEW security_invoker
-- expect: require-security-invoker-view
CREATE VIEW order_totals AS
    SELECT tenant_id, count(*) AS orders, sum(amount) AS revenue FROM orders GROUP BY tenant_id;
GRANT SELECT ON order_totals TO tenant_api;
