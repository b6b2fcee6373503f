-- Ledger entries of the month %(month)s left out of every revenue figure because their currency has no rate to USD
-- (docs/business-metrics.md, "Currencies"), over the customers the reader may see: each company's row through the
-- key (tenant_id, month), as tenant_figures.sql reads them (no index leads with month: RELIABILITY R26).
SELECT coalesce(sum(m.unconverted_entries), 0)::integer
FROM bi_tenant_monthly m
WHERE m.tenant_id = ANY (ARRAY(SELECT c.id FROM companies c))  -- tenant by tenant: the key leads with it
  AND m.month = %(month)s
