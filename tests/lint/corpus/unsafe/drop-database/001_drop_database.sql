-- Drops a database from a migration.
-- Unsafe: irreversible loss of a whole database; no migration should do it.
-- Source: squawk docs, ban-drop-database
-- expect: ban-drop-database
-- tenantdb: no-transaction
DROP DATABASE legacy_billing;
