-- ALTER COLUMN ... SET DEFAULT on an existing column.
-- Safe: changes the default for future rows only: catalog-only.
-- Source: PostgreSQL docs, ALTER TABLE SET DEFAULT
-- expect: none
ALTER TABLE users ALTER COLUMN status SET DEFAULT 'invited';
