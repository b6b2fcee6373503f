-- CREATE EXTENSION between the file's own BEGIN and COMMIT.
-- Unsafe: the extension is created inside a transaction with the schema changes.
-- Source: PostgreSQL docs, CREATE EXTENSION
-- expect: ban-create-extension-in-transaction
BEGIN;
CREATE EXTENSION IF NOT EXISTS btree_gist;
COMMIT;
