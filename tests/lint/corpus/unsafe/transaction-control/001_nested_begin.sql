-- BEGIN inside an open BEGIN.
-- Unsafe: the second BEGIN only warns: the first COMMIT ends the whole transaction, and what follows it runs
--   outside any transaction, so the file is not atomic.
-- Source: squawk docs, transaction-nesting; PostgreSQL docs, BEGIN
-- expect: ban-nested-transaction
BEGIN;
ALTER TABLE plans ADD COLUMN archived boolean NOT NULL DEFAULT false;
BEGIN;
UPDATE plans SET archived = true WHERE monthly_price = 0;
COMMIT;
COMMIT;
