-- Marks a column deprecated with a comment instead of dropping it.
-- Safe: the contract step (DROP COLUMN) waits until no code reads it.
-- Source: pgroll docs, drop_column (contract phase later)
-- expect: none
COMMENT ON COLUMN users.legacy_flag IS 'deprecated: unused since 2026-01, drop after 2026-06';
