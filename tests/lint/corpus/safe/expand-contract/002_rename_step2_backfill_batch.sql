-- Expand step 2: backfill display_name in a bounded batch where it is still NULL.
-- Safe: a bounded UPDATE of a column nobody reads yet; the old column is untouched, so nothing is lost.
-- Source: strong_migrations README, dangerous operations, backfilling data; pgroll docs, backfill
-- expect: none
ALTER TABLE users ADD COLUMN IF NOT EXISTS display_name text;
UPDATE users SET display_name = full_name
 WHERE display_name IS NULL AND id BETWEEN 1 AND 10000;
