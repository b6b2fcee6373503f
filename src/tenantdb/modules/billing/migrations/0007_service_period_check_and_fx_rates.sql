-- migrate:up
-- 0006 added billing_transactions_service_period NOT VALID (new rows are checked); validated here, in a transaction
-- of its own, under SHARE UPDATE EXCLUSIVE: the ledger keeps taking writes during the scan.
ALTER TABLE billing_transactions VALIDATE CONSTRAINT billing_transactions_service_period;

-- migrate:down
-- Nothing to undo: a validated constraint is dropped with 0006.
SELECT 1;
