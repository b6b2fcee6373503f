-- Adds a NOT NULL column with a constant default.
-- Safe: since PostgreSQL 11 a non-volatile default is stored in the catalog: no rewrite.
-- Source: squawk docs, adding-field-with-default; PostgreSQL docs, ALTER TABLE ADD COLUMN (Notes)
-- expect: none
ALTER TABLE plans ADD COLUMN archived boolean NOT NULL DEFAULT false;
