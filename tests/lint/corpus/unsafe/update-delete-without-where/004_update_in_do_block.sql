-- An UPDATE without WHERE inside a DO block (which runs during the migration).
-- Unsafe: a DO block runs now, unlike a function body: every row of every tenant is rewritten in the migration's
--   transaction.
-- Source: strong_migrations README, dangerous operations, backfilling data; PostgreSQL docs, DO
-- expect: require-where-on-update-delete
DO $$
BEGIN
    UPDATE users SET legacy_flag = false;
END
$$;
