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

-- Change tracking (bi 0006) for what revenue recognition and currencies read: a ledger entry counts in every month
-- its service period reaches, a payment's billing period is the service period of its entries, and a rate converts
-- the ledger and the invoices from its day on (docs/business-metrics.md, "When a month is refreshed"). Months that
-- have not begun are not noted: they have never been refreshed, so they are refreshed once they begin anyway.
DO $$
BEGIN
    EXECUTE format($function$
CREATE OR REPLACE FUNCTION tenantdb_bi_note_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, %I, pg_temp
AS $body$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        NULL;  -- every month
    ELSIF TG_TABLE_NAME = 'deliverability_daily' THEN
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT date_trunc('month', r.day)::date, pg_current_xact_id(), 'sending' FROM changed_rows r
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'billing_transactions' THEN
        -- every month from the earlier of the entry's month and its service period's first month to the later of
        -- that month and the period's last month (its own period, else its payment's billing period)
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT m.month::date, pg_current_xact_id(), 'ledger'
        FROM changed_rows r
        LEFT JOIN payments p
          ON r.service_period_start IS NULL AND p.tenant_id = r.tenant_id AND p.payment_id = r.payment_id
        CROSS JOIN LATERAL (
            SELECT (r.occurred_at AT TIME ZONE 'UTC')::date AS occurred_on,
                   coalesce(r.service_period_start, (p.billing_period_start AT TIME ZONE 'UTC')::date) AS first_day,
                   coalesce(r.service_period_end - 1,
                            greatest((p.billing_period_end AT TIME ZONE 'UTC')::date - 1,
                                     (p.billing_period_start AT TIME ZONE 'UTC')::date)) AS last_day
        ) d
        CROSS JOIN LATERAL generate_series(date_trunc('month', least(d.occurred_on, d.first_day)::timestamp),
                                           date_trunc('month', greatest(d.occurred_on, d.last_day)::timestamp),
                                           interval '1 month') AS m (month)
        WHERE m.month <= date_trunc('month', now() AT TIME ZONE 'UTC')  -- a month not begun is never refreshed
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'payments' THEN
        -- a payment's billing period is the service period of its entries: every month from the earliest of the
        -- period and its entries' dates to the latest
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT m.month::date, pg_current_xact_id(), 'ledger'
        FROM changed_rows r
        CROSS JOIN LATERAL (
            SELECT min((t.occurred_at AT TIME ZONE 'UTC')::date) AS first_entry,
                   max((t.occurred_at AT TIME ZONE 'UTC')::date) AS last_entry
            FROM billing_transactions t
            WHERE t.tenant_id = r.tenant_id AND t.payment_id = r.payment_id
        ) e
        CROSS JOIN LATERAL generate_series(
            date_trunc('month', least((r.billing_period_start AT TIME ZONE 'UTC')::date, e.first_entry)::timestamp),
            date_trunc('month', greatest((r.billing_period_end AT TIME ZONE 'UTC')::date - 1,
                                         (r.billing_period_start AT TIME ZONE 'UTC')::date, e.last_entry)::timestamp),
            interval '1 month') AS m (month)
        WHERE m.month <= date_trunc('month', now() AT TIME ZONE 'UTC')  -- a month not begun is never refreshed
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'fx_rates' THEN
        -- a rate converts the ledger entries and invoices from its day until a later rate: every month from its
        -- day's to the current one (a month not begun is refreshed when it begins)
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT m.month::date, pg_current_xact_id(), i.input
        FROM (SELECT min(r.rate_date) AS first_day FROM changed_rows r) f
        CROSS JOIN LATERAL generate_series(date_trunc('month', f.first_day::timestamp),
                                           greatest(date_trunc('month', f.first_day::timestamp),
                                                    date_trunc('month', now() AT TIME ZONE 'UTC')),
                                           interval '1 month') AS m (month)
        CROSS JOIN (VALUES ('ledger'), ('invoices')) AS i (input)
        WHERE f.first_day IS NOT NULL AND m.month <= date_trunc('month', now() AT TIME ZONE 'UTC')
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'provider_invoices' THEN
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT r.month, pg_current_xact_id(), 'invoices' FROM changed_rows r
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'provider_invoice_lines' THEN
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT i.month, pg_current_xact_id(), 'invoices'
        FROM changed_rows r
        JOIN provider_invoices i ON i.invoice_id = r.invoice_id
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF NOT EXISTS (SELECT FROM changed_rows) THEN
        RETURN NULL;  -- a statement that changed no row
    END IF;
    INSERT INTO bi_changed_months (month, xact, input) VALUES ('infinity', pg_current_xact_id(), 'everything')
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$body$
$function$, current_schema());
END
$$;

DO $$
DECLARE
    input text;
BEGIN
    FOREACH input IN ARRAY ARRAY['payments', 'fx_rates']
    LOOP
        EXECUTE format('CREATE TRIGGER bi_note_insert AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_bi_note_change()', input);
        EXECUTE format('CREATE TRIGGER bi_note_update_old AFTER UPDATE ON %I REFERENCING OLD TABLE AS changed_rows'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_bi_note_change()', input);
        EXECUTE format('CREATE TRIGGER bi_note_update_new AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_rows'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_bi_note_change()', input);
        EXECUTE format('CREATE TRIGGER bi_note_delete AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_bi_note_change()', input);
        EXECUTE format('CREATE TRIGGER bi_note_truncate AFTER TRUNCATE ON %I'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_bi_note_change()', input);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER bi_note_insert, ENABLE ALWAYS TRIGGER bi_note_update_old,'
                       ' ENABLE ALWAYS TRIGGER bi_note_update_new, ENABLE ALWAYS TRIGGER bi_note_delete,'
                       ' ENABLE ALWAYS TRIGGER bi_note_truncate', input);
    END LOOP;
END
$$;

-- migrate:down
DO $$
DECLARE
    input text;
BEGIN
    FOREACH input IN ARRAY ARRAY['payments', 'fx_rates']
    LOOP
        EXECUTE format('DROP TRIGGER bi_note_insert ON %I', input);
        EXECUTE format('DROP TRIGGER bi_note_update_old ON %I', input);
        EXECUTE format('DROP TRIGGER bi_note_update_new ON %I', input);
        EXECUTE format('DROP TRIGGER bi_note_delete ON %I', input);
        EXECUTE format('DROP TRIGGER bi_note_truncate ON %I', input);
    END LOOP;
END
$$;
-- bi 0006's function again
DO $$
BEGIN
    EXECUTE format($function$
CREATE OR REPLACE FUNCTION tenantdb_bi_note_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, %I, pg_temp
AS $body$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        NULL;  -- every month
    ELSIF TG_TABLE_NAME = 'deliverability_daily' THEN
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT date_trunc('month', r.day)::date, pg_current_xact_id(), 'sending' FROM changed_rows r
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'billing_transactions' THEN
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT date_trunc('month', r.occurred_at AT TIME ZONE 'UTC')::date, pg_current_xact_id(), 'ledger'
        FROM changed_rows r
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'provider_invoices' THEN
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT r.month, pg_current_xact_id(), 'invoices' FROM changed_rows r
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'provider_invoice_lines' THEN
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT i.month, pg_current_xact_id(), 'invoices'
        FROM changed_rows r
        JOIN provider_invoices i ON i.invoice_id = r.invoice_id
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF NOT EXISTS (SELECT FROM changed_rows) THEN
        RETURN NULL;  -- a statement that changed no row
    END IF;
    INSERT INTO bi_changed_months (month, xact, input) VALUES ('infinity', pg_current_xact_id(), 'everything')
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$body$
$function$, current_schema());
END
$$;
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
