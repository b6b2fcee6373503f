-- BEGIN inside an open BEGIN.
-- Unsafe: PostgreSQL only warns; the inner COMMIT commits everything, so the outer ROLLBACK rolls back nothing.
-- Source: squawk docs, transaction-nesting; PostgreSQL docs, BEGIN
-- expect: ban-nested-transaction
BEGIN;
ALTER TABLE plans ADD COLUMN archived boolean NOT NULL DEFAULT false;
BEGIN;
UPDATE plans SET archived = true WHERE monthly_price = 0;
COMMIT;
COMMIT;
