-- Creates the pg_trgm extension in an ordinary (transactional) migration.
-- Unsafe: extensions need privileges the migration role often lacks and differ between servers: bundled into a
--   transactional migration, the whole migration fails on one environment and passes on another, and a
--   failure rolls back every other statement with it.
-- Source: issue 15 coverage gaps (squawk/diesel-guard); PostgreSQL docs, CREATE EXTENSION
-- expect: ban-create-extension-in-transaction
CREATE EXTENSION IF NOT EXISTS pg_trgm;
