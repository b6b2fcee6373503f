-- A security_invoker view labelling orders with a CASE that has no ELSE.
-- Safe: a NULL label in a read-only view is visible and harmless; nothing is written.
-- Source: PostgreSQL docs, Conditional Expressions
-- expect: none
CREATE VIEW order_labels WITH (security_invoker = true) AS
    SELECT tenant_id, id, CASE WHEN amount >= 1000 THEN 'large' WHEN amount >= 100 THEN 'medium' END AS size
    FROM orders;
