-- Modeled cost against provider invoices, per provider, for one month.
SELECT r.provider, r.month, r.modeled, r.invoiced, r.invoiced - r.modeled AS difference, r.rate_drift,
       r.quantity_drift, r.unmatched, r.scale_factor, r.flagged
FROM bi_reconciliation r
WHERE r.month = %(month)s
ORDER BY r.flagged DESC, abs(r.invoiced - r.modeled) DESC, r.provider
