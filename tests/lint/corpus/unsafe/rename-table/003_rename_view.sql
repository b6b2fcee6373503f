-- Renames the existing view active_users.
-- Unsafe: clients and grants refer to the view by name; the old name stops resolving at once.
-- Source: PostgreSQL docs, ALTER VIEW; pgroll docs, rename_table operation
-- expect: ban-rename-table
ALTER VIEW active_users RENAME TO enabled_users;
