-- Adds a nullable column without a default.
-- Safe: a catalog-only change: no rewrite, a brief lock.
-- Source: squawk docs, adding-required-field (the safe way); pgroll docs, add_column
-- expect: none
ALTER TABLE users ADD COLUMN phone text;
