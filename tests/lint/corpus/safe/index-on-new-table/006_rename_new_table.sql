-- Creates a table and renames it in the same migration.
-- Safe: no application knows the first name yet.
-- Source: pgroll docs, rename_table (a table created in the same run)
-- expect: none
CREATE TABLE tmp_blocklist (
    address inet PRIMARY KEY,
    reason text
);
ALTER TABLE tmp_blocklist RENAME TO ip_blocklist;
