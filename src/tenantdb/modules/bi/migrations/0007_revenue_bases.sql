-- migrate:up
-- Two revenue bases per customer and month (docs/business-metrics.md, "Revenue: recognized, cash and deferred"):
-- recognized revenue now spreads an entry over its service period (ASC 606 / IFRS 15), cash revenue is the ledger as
-- dated (what recognized_revenue was before), and deferred revenue is billed but not yet recognized. Amounts are USD.
ALTER TABLE bi_tenant_monthly
    ADD COLUMN cash_revenue     numeric(12,2) NOT NULL DEFAULT 0,
    ADD COLUMN deferred_revenue numeric(12,2) NOT NULL DEFAULT 0;
COMMENT ON COLUMN bi_tenant_monthly.recognized_revenue IS
    'Revenue earned in the month: each ledger entry over its service period (billing_transaction_periods), month '
    'by month in proportion to the share of each month it covers, its pieces adding up to it to the cent; an entry '
    'without one in the month it occurred. Charges less refunds and credits, plus adjustments, in USD. Payments are '
    'never cost.';
COMMENT ON COLUMN bi_tenant_monthly.cash_revenue IS
    'The ledger as dated: sum(billing_transactions.amount) in USD with occurred_at in the month.';
COMMENT ON COLUMN bi_tenant_monthly.deferred_revenue IS
    'At the month''s end, in USD: billed up to then (occurred_at before the next month) minus recognized up to '
    'then. Negative when service was delivered before it was billed (accrued revenue).';

-- migrate:down
ALTER TABLE bi_tenant_monthly DROP COLUMN deferred_revenue, DROP COLUMN cash_revenue;
COMMENT ON COLUMN bi_tenant_monthly.recognized_revenue IS
    'sum(billing_transactions.amount) in USD with occurred_at in the month: charges less refunds and credits, plus '
    'adjustments. Payments are never cost.';
