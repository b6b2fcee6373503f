-- Modeled cost against provider invoices, per provider, for one month, exact (bi_reconciliation keeps the exact
-- modeled cost and drifts): the report rounds them for reading so that the figures shown add up. Without a rate to
-- USD (flag_reason no_rate) the USD figures are NULL and the invoices show in their own currency (invoiced_original).
SELECT r.provider, r.month, r.currency, r.invoiced_original, r.fx_rate, r.modeled, r.invoiced,
       r.invoiced - r.modeled AS difference, r.rate_drift, r.quantity_drift, r.unmatched,
       round(r.scale_factor, 6) AS scale_factor,
       r.tolerance, r.flagged, r.flag_reason
FROM bi_reconciliation r
WHERE r.month = %(month)s
ORDER BY r.flagged DESC, r.invoiced IS NULL DESC, abs(r.invoiced - r.modeled) DESC, r.provider
