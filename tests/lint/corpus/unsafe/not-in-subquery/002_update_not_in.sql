-- Marks users without orders with NOT IN (SELECT user_id ...).
-- Unsafe: NULL semantics of NOT IN make the result depend on whether any user_id is NULL.
-- Source: PostgreSQL docs, Subquery Expressions (NOT IN)
-- expect: ban-not-in-subquery
UPDATE users SET status = 'dormant' WHERE id NOT IN (SELECT user_id FROM orders) AND status = 'active';
