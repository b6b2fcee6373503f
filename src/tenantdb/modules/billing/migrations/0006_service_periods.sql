-- migrate:up
-- Revenue recognition (ASC 606 / IFRS 15 for subscriptions): an entry of the ledger may say which service it pays
-- for, so a yearly prepayment is revenue of the twelve months it covers, not of the day it was paid
-- (docs/business-metrics.md, "Revenue: recognized, cash and deferred"). Nullable: an entry without a service period
-- is revenue when it occurred, as before.
ALTER TABLE billing_transactions
    ADD COLUMN service_period_start date,
    ADD COLUMN service_period_end   date;
ALTER TABLE billing_transactions
    ADD CONSTRAINT billing_transactions_service_period CHECK (
        (service_period_start IS NULL) = (service_period_end IS NULL)
        AND (service_period_start IS NULL OR service_period_end > service_period_start)
    ) NOT VALID;  -- no scan under the lock: 0007 validates it in a transaction of its own
COMMENT ON COLUMN billing_transactions.service_period_start IS
    'First UTC day of the service this entry charges, refunds or credits (with service_period_end, or neither). '
    'NULL: the billing period of the entry''s payment, else recognized when it occurred.';
COMMENT ON COLUMN billing_transactions.service_period_end IS
    'The UTC day after the last day of the service (exclusive end, > service_period_start): a year from June 1 is '
    '[2025-06-01, 2026-06-01).';

-- Each entry with the service period it is recognized over: its own, else the billing period of the payment it
-- settles or refunds in UTC days (at least one day), else none (recognized the day it occurred). One definition for
-- the BI refresh, the months it covers and analysts tracing a figure.
CREATE VIEW billing_transaction_periods WITH (security_invoker = true) AS
SELECT t.tenant_id,
       t.transaction_id,
       t.payment_id,
       t.kind,
       t.amount,
       t.currency,
       t.occurred_at,
       (t.occurred_at AT TIME ZONE 'UTC')::date AS occurred_on,
       coalesce(t.service_period_start, (p.billing_period_start AT TIME ZONE 'UTC')::date) AS period_start,
       coalesce(t.service_period_end,
                greatest((p.billing_period_end AT TIME ZONE 'UTC')::date,
                         (p.billing_period_start AT TIME ZONE 'UTC')::date + 1)) AS period_end,
       CASE WHEN t.service_period_start IS NOT NULL THEN 'entry'
            WHEN p.payment_id IS NOT NULL THEN 'payment' END AS period_source,
       t.created_at
FROM billing_transactions t
LEFT JOIN payments p ON p.tenant_id = t.tenant_id AND p.payment_id = t.payment_id;
COMMENT ON VIEW billing_transaction_periods IS
    'Every ledger entry with the service period its revenue is recognized over, in UTC days [period_start, '
    'period_end): its own (period_source entry), else its payment''s billing period (payment), else NULL: '
    'recognized on occurred_on. security_invoker: the reader''s row-level security applies.';
GRANT SELECT ON billing_transaction_periods TO application_service, tenant_api, business_analysts, db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER VIEW billing_transaction_periods OWNER TO tenantdb_owner;

-- migrate:down
DROP VIEW billing_transaction_periods;
ALTER TABLE billing_transactions DROP CONSTRAINT billing_transactions_service_period;
ALTER TABLE billing_transactions DROP COLUMN service_period_end, DROP COLUMN service_period_start;

-- migrate:verify
SELECT 'transaction ' || transaction_id || ' has a service period ending before it starts'
FROM billing_transactions
WHERE service_period_end <= service_period_start;
