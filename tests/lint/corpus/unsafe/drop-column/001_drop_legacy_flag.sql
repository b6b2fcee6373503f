-- Drops users.legacy_flag.
-- Unsafe: running code that still reads the column fails, and the data is gone.
-- Source: squawk docs, ban-drop-column; strong_migrations README, dangerous operations, removing a column; pgroll
--   docs, drop_column
-- expect: ban-drop-column
ALTER TABLE users DROP COLUMN legacy_flag;
