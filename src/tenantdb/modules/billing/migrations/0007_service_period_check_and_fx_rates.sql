-- migrate:up
-- 0006 added billing_transactions_service_period NOT VALID (new rows are checked); validated here, in a transaction
-- of its own, under SHARE UPDATE EXCLUSIVE: the ledger keeps taking writes during the scan.
ALTER TABLE billing_transactions VALIDATE CONSTRAINT billing_transactions_service_period;

-- Exchange rates, so an amount in any currency (a ledger entry, a provider invoice) can be converted to the
-- reporting currency (USD) instead of being dropped or compared 1:1 (docs/business-metrics.md, "Currencies").
-- Platform data, not a tenant's: no tenant_id, no row-level security; db_administrators write, business_analysts
-- and the BI refresh (a member of business_analysts) read, tenant roles never see it.
CREATE TABLE fx_rates (
    rate_date      date          NOT NULL,
    base_currency  text          NOT NULL CHECK (base_currency ~ '^[A-Z]{3}$'),
    quote_currency text          NOT NULL CHECK (quote_currency ~ '^[A-Z]{3}$'),
    rate           numeric(18,8) NOT NULL CHECK (rate > 0),
    source         text          CHECK (length(source) BETWEEN 1 AND 200),
    created_at     timestamptz   NOT NULL DEFAULT now(),
    updated_at     timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (base_currency, quote_currency, rate_date),
    CONSTRAINT fx_rates_two_currencies CHECK (base_currency <> quote_currency)
);
COMMENT ON TABLE fx_rates IS
    'Exchange rates: on rate_date, 1 base_currency = rate quote_currency (EUR, USD, 1.08: one euro is 1.08 dollars). '
    'An amount is converted with the latest rate of its pair on or before its date (a ledger entry: the UTC day it '
    'occurred; a provider invoice: the last day of its month); without one it is flagged and never summed. '
    'Platform data: db_administrators write, business_analysts and the BI refresh read.';
COMMENT ON COLUMN fx_rates.rate IS 'How many quote_currency units one base_currency unit is worth; > 0.';
COMMENT ON COLUMN fx_rates.source IS 'Where the rate comes from (e.g. ECB reference rate), for the audit trail.';
CREATE TRIGGER fx_rates_touch_updated_at BEFORE UPDATE ON fx_rates
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();
GRANT SELECT ON fx_rates TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON fx_rates TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE fx_rates OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE fx_rates;

-- migrate:verify
SELECT 'fx rate ' || base_currency || '/' || quote_currency || ' on ' || rate_date || ' is not positive: ' || rate
FROM fx_rates
WHERE rate <= 0;
