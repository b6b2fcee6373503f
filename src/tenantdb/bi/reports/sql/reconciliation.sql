-- Modeled cost against provider invoices, per provider, for one month; money rounded to the cent for reading
-- (bi_reconciliation keeps the exact modeled cost and drifts). Without a rate to USD (flag_reason no_rate) the USD
-- figures are NULL and the invoices show in their own currency (invoiced_original).
SELECT r.provider, r.month, r.currency, r.invoiced_original, r.fx_rate, round(r.modeled, 2) AS modeled, r.invoiced,
       round(r.invoiced - r.modeled, 2) AS difference, round(r.rate_drift, 2) AS rate_drift,
       round(r.quantity_drift, 2) AS quantity_drift, r.unmatched, round(r.scale_factor, 6) AS scale_factor,
       r.tolerance, r.flagged, r.flag_reason
FROM bi_reconciliation r
WHERE r.month = %(month)s
ORDER BY r.flagged DESC, r.invoiced IS NULL DESC, abs(r.invoiced - r.modeled) DESC, r.provider
