-- BEGIN with no COMMIT.
-- Unsafe: the session is left inside an open transaction holding its locks.
-- Source: squawk docs, ban-uncommitted-transaction
-- expect: ban-unclosed-transaction
BEGIN;
ALTER TABLE plans ADD COLUMN description text;
