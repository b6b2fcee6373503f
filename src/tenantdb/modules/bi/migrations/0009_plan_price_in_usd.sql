-- migrate:up
-- A plan's list price in another currency is converted to USD like every amount (docs/business-metrics.md,
-- "Currencies"): at the latest rate on or before the month's last day; without a rate the price is unknown (NULL),
-- the plan's currency is listed in unconverted_currencies, and the executive view's revenue and profit for that
-- customer are NULL: never a price in euros compared with a cost in dollars.
ALTER TABLE bi_tenant_monthly ALTER COLUMN price_monthly DROP NOT NULL;
COMMENT ON COLUMN bi_tenant_monthly.price_monthly IS
    'The current plan''s monthly list price in USD (converted at the latest rate on or before the month''s last day); '
    '0 without a plan; NULL when the plan''s currency has no rate (listed in unconverted_currencies).';
COMMENT ON COLUMN bi_tenant_monthly.unconverted_currencies IS
    'The currencies of unconverted_entries, and the plan''s currency when its price could not be converted, sorted.';

-- migrate:down
UPDATE bi_tenant_monthly SET price_monthly = 0 WHERE price_monthly IS NULL;  -- a rollup: bi refresh writes it again
-- tenantdb: ignore[ban-set-not-null] rolling back a rollup (one row per customer and month): the scan is what the rollback costs, seconds at most
ALTER TABLE bi_tenant_monthly ALTER COLUMN price_monthly SET NOT NULL;
COMMENT ON COLUMN bi_tenant_monthly.unconverted_currencies IS 'The currencies of unconverted_entries, sorted.';
COMMENT ON COLUMN bi_tenant_monthly.price_monthly IS NULL;
