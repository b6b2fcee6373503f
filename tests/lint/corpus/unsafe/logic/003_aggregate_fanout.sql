-- A report summing order amounts over two one-to-many joins.
-- Unsafe: each order amount is counted once per item and once per audit row.
-- Source: issue 15 reference customer (payments summed once per IP address)
-- expect: ban-aggregate-fanout
CREATE VIEW reporting.tenant_revenue WITH (security_invoker = true) AS
    SELECT t.id, sum(o.amount) AS revenue, count(a.id) AS audit_events
    FROM tenants t
    JOIN orders o ON o.tenant_id = t.id
    JOIN audit_logs a ON a.tenant_id = t.id
    GROUP BY t.id;
