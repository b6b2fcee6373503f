-- A data fix whose WHERE compares a column with itself.
-- Unsafe: status = status is true for every non-NULL row: the update touches every row of every tenant.
-- Source: PostgreSQL docs, Comparison Operators
-- expect: ban-self-comparison
UPDATE users SET legacy_flag = false WHERE status = status;
