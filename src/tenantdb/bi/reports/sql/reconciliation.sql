-- Modeled cost against provider invoices, per provider, for one month; money rounded to the cent for reading
-- (bi_reconciliation keeps the exact modeled cost and drifts).
SELECT r.provider, r.month, round(r.modeled, 2) AS modeled, r.invoiced,
       round(r.invoiced - r.modeled, 2) AS difference, round(r.rate_drift, 2) AS rate_drift,
       round(r.quantity_drift, 2) AS quantity_drift, r.unmatched, round(r.scale_factor, 6) AS scale_factor,
       r.tolerance, r.flagged
FROM bi_reconciliation r
WHERE r.month = %(month)s
ORDER BY r.flagged DESC, abs(r.invoiced - r.modeled) DESC, r.provider
