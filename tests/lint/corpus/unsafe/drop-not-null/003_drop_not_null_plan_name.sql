-- Makes plans.name nullable.
-- Unsafe: code that formats plan names and the UNIQUE lookup by name assume a value.
-- Source: squawk docs, ban-drop-not-null
-- expect: ban-drop-not-null
ALTER TABLE plans ALTER COLUMN name DROP NOT NULL;
