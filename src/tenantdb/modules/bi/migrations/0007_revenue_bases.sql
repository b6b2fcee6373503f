-- migrate:up
-- Two revenue bases per customer and month (docs/business-metrics.md, "Revenue: recognized, cash and deferred"):
-- recognized revenue now spreads an entry over its service period (ASC 606 / IFRS 15), cash revenue is the ledger as
-- dated (what recognized_revenue was before), and deferred revenue is billed but not yet recognized. Every amount is
-- in the reporting currency (USD), converted with fx_rates; what cannot be converted is flagged, never summed
-- ("Currencies").
ALTER TABLE bi_tenant_monthly
    ADD COLUMN cash_revenue           numeric(12,2) NOT NULL DEFAULT 0,
    ADD COLUMN deferred_revenue       numeric(12,2) NOT NULL DEFAULT 0,
    ADD COLUMN unconverted_entries    integer       NOT NULL DEFAULT 0,
    ADD COLUMN unconverted_currencies text[]        NOT NULL DEFAULT '{}';
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
COMMENT ON COLUMN bi_tenant_monthly.unconverted_entries IS
    'Ledger entries touching the month in a currency without a rate to USD on or before the day they occurred: '
    'left out of every revenue figure of the row (never summed as if they were dollars).';
COMMENT ON COLUMN bi_tenant_monthly.unconverted_currencies IS 'The currencies of unconverted_entries, sorted.';

-- A provider's invoices in another currency are converted at the rate of the month's last day; without a rate the
-- row keeps the original currency and amount, has no USD figures and is flagged (reason no_rate).
ALTER TABLE bi_reconciliation
    ADD COLUMN currency          text    NOT NULL DEFAULT 'USD',
    ADD COLUMN invoiced_original numeric(12,2),
    ADD COLUMN fx_rate           numeric,
    ADD COLUMN fx_rate_date      date,
    ADD COLUMN flag_reason       text,
    ALTER COLUMN invoiced DROP NOT NULL,
    ALTER COLUMN rate_drift DROP NOT NULL,
    ALTER COLUMN quantity_drift DROP NOT NULL,
    ALTER COLUMN unmatched DROP NOT NULL;
COMMENT ON COLUMN bi_reconciliation.currency IS
    'The currency of the provider''s invoices for the month (several, comma-separated, when they differ).';
COMMENT ON COLUMN bi_reconciliation.invoiced_original IS
    'What the invoices total in their own currency (NULL when they are in several).';
COMMENT ON COLUMN bi_reconciliation.fx_rate IS
    'The rate to USD used (the latest on or before the month''s last day); NULL for USD invoices and without a rate.';
COMMENT ON COLUMN bi_reconciliation.invoiced IS
    'The invoices in USD, each line converted and rounded to the cent; NULL when a rate is missing (flag_reason '
    'no_rate): never compared 1:1 with the modeled cost.';
COMMENT ON COLUMN bi_reconciliation.flag_reason IS
    'Why the row is flagged: no_rate (an invoice''s currency has no rate to USD; invoiced and the drifts are NULL), '
    'unmatched_lines (a line matches no resource), beyond_tolerance; NULL when it is not.';

-- migrate:down
DELETE FROM bi_reconciliation WHERE invoiced IS NULL;  -- a rollup: tenantdb bi refresh writes it again
-- tenantdb: ignore[ban-set-not-null] bi_reconciliation holds one row per provider and month (hundreds): the scan takes microseconds
ALTER TABLE bi_reconciliation
    DROP COLUMN flag_reason,
    DROP COLUMN fx_rate_date,
    DROP COLUMN fx_rate,
    DROP COLUMN invoiced_original,
    DROP COLUMN currency,
    ALTER COLUMN invoiced SET NOT NULL,
    ALTER COLUMN rate_drift SET NOT NULL,
    ALTER COLUMN quantity_drift SET NOT NULL,
    ALTER COLUMN unmatched SET NOT NULL;
COMMENT ON COLUMN bi_reconciliation.invoiced IS NULL;
ALTER TABLE bi_tenant_monthly
    DROP COLUMN unconverted_currencies,
    DROP COLUMN unconverted_entries,
    DROP COLUMN deferred_revenue,
    DROP COLUMN cash_revenue;
COMMENT ON COLUMN bi_tenant_monthly.recognized_revenue IS
    'sum(billing_transactions.amount) in USD with occurred_at in the month: charges less refunds and credits, plus '
    'adjustments. Payments are never cost.';
