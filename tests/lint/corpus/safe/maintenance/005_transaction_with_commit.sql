-- A file with its own BEGIN ... COMMIT around catalog-only changes.
-- Safe: the transaction is closed; nothing blocking inside it.
-- Source: squawk docs, ban-uncommitted-transaction (the closed form)
-- expect: none
BEGIN;
ALTER TABLE plans ADD COLUMN description text;
COMMENT ON COLUMN plans.description IS 'Marketing copy';
COMMIT;
