-- Renames a NOT VALID check constraint.
-- Safe: constraint names are not used by application queries.
-- Source: pgroll docs, rename_constraint
-- expect: none
ALTER TABLE users RENAME CONSTRAINT users_full_name_not_null TO users_full_name_present;
