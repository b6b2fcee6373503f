-- Renames the public schema.
-- Unsafe: all unqualified references of the application resolve through public in search_path and stop working.
-- Source: strong_migrations README, dangerous operations, renaming a schema; PostgreSQL docs, ALTER SCHEMA
-- expect: ban-rename-schema
ALTER SCHEMA public RENAME TO app;
