-- Changes audit_logs.details from jsonb to json.
-- Unsafe: a rewrite under ACCESS EXCLUSIVE, and json has no equality operator (DISTINCT/GROUP BY on it fail).
-- Source: strong_migrations README, dangerous operations, adding a json column; changing the type of a column
-- expect: prefer-jsonb-over-json, ban-column-type-change
ALTER TABLE audit_logs ALTER COLUMN details TYPE json USING details::json;
