-- Renames users.full_name to display_name on an existing table.
-- Unsafe: application instances still running the old code query full_name and fail until every one is redeployed.
-- Source: squawk docs, renaming-column; strong_migrations README, dangerous operations, renaming a column
-- expect: ban-rename-column
ALTER TABLE users RENAME COLUMN full_name TO display_name;
