-- Creates a table and relaxes NOT NULL on one of its columns in the same migration.
-- Safe: no code reads the new table yet.
-- Source: squawk docs, ban-drop-not-null (existing tables only)
-- expect: none
CREATE TABLE webhook_secrets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    secret text NOT NULL,
    rotated_at timestamptz NOT NULL
);
ALTER TABLE webhook_secrets ALTER COLUMN rotated_at DROP NOT NULL;
