-- Renames the schema reporting to analytics.
-- Unsafe: every qualified reference and search_path that names reporting breaks; grants move with it silently.
-- Source: strong_migrations README, dangerous operations, renaming a schema
-- expect: ban-rename-schema
ALTER SCHEMA reporting RENAME TO analytics;
