-- Validates a NOT NULL check added NOT VALID earlier, sets NOT NULL (no scan), drops the helper check.
-- Safe: VALIDATE scans under SHARE UPDATE EXCLUSIVE; SET NOT NULL then uses the validated check and skips its
--   scan.
-- Source: strong_migrations README, dangerous operations, setting NOT NULL on an existing column; PostgreSQL docs,
--   ALTER TABLE SET NOT NULL (uses a valid CHECK)
-- expect: none
ALTER TABLE users VALIDATE CONSTRAINT users_full_name_not_null;
ALTER TABLE users ALTER COLUMN full_name SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_full_name_not_null;
