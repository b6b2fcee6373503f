-- Creates a table and renames one of its columns in the same migration.
-- Safe: no running code knows the first name.
-- Source: pgroll docs, rename_column (tables created in the same run)
-- expect: none
CREATE TABLE provider_accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    acct text NOT NULL
);
ALTER TABLE provider_accounts RENAME COLUMN acct TO account_ref;
