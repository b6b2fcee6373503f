-- Adds a jsonb column with an empty-object default.
-- Safe: jsonb has equality and indexing; the constant default costs no rewrite.
-- Source: strong_migrations README, dangerous operations, adding a json column (use jsonb)
-- expect: none
ALTER TABLE tenants ADD COLUMN settings jsonb NOT NULL DEFAULT '{}';
