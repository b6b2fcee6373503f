-- Converts users.status to an integer with USING.
-- Unsafe: a rewrite under ACCESS EXCLUSIVE, and code that writes text statuses breaks.
-- Source: PostgreSQL docs, ALTER TABLE ALTER COLUMN TYPE USING
-- expect: ban-column-type-change
ALTER TABLE users ALTER COLUMN status TYPE smallint USING (CASE status WHEN 'active' THEN 1 ELSE 0 END);
