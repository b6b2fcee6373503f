-- Drops a CHECK constraint.
-- Safe: relaxing a check cannot fail and needs no scan.
-- Source: pgroll docs, drop_constraint
-- expect: none
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_full_name_not_null;
