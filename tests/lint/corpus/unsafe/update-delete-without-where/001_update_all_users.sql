-- Sets a value on every row of users.
-- Unsafe: one long transaction rewriting every row of every tenant, locking them all; usually a forgotten WHERE.
-- Source: strong_migrations README, dangerous operations, backfilling data; squawk/diesel-guard: UPDATE without
--   WHERE
-- expect: require-where-on-update-delete
UPDATE users SET legacy_flag = false;
