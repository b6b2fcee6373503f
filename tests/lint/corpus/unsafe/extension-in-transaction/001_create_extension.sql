-- Creates the pg_trgm extension in an ordinary (transactional) migration.
-- Unsafe: extensions need privileges the migration role often lacks and cannot be rolled back cleanly with the
--   schema; tenantdb wants them in their own non-transactional step.
-- Source: issue 15 coverage gaps (squawk/diesel-guard); PostgreSQL docs, CREATE EXTENSION
-- expect: ban-create-extension-in-transaction
CREATE EXTENSION IF NOT EXISTS pg_trgm;
