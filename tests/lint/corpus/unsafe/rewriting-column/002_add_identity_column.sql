-- Adds an identity column to an existing table.
-- Unsafe: an identity column is filled for every row: full rewrite.
-- Source: strong_migrations README, dangerous operations, adding an auto-incrementing column
-- expect: ban-stored-generated-column
ALTER TABLE smtp_ip_addresses ADD COLUMN position bigint GENERATED ALWAYS AS IDENTITY;
