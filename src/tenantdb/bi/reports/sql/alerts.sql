-- Critical deliverability alerts: senders above the minimum volume over the SES suspension-risk bounce rate (10 percent)
-- or Gmail's complaint limit (0.1 percent), worst in dollars first. Flagged invoice reconciliations join them.
SELECT a.code, a.tenant_id, a.subject, a.value, a.threshold, a.dollars_per_month
FROM (
    SELECT 'bounce_over_suspension_risk' AS code, f.tenant_id, f.company_name AS subject,
           round(f.bounce, 6) AS value, 0.10 AS threshold, f.estimated_revenue_loss AS dollars_per_month
    FROM figures f
    WHERE NOT f.below_min_volume AND f.bounce > 0.10
    UNION ALL
    SELECT 'complaints_over_limit', f.tenant_id, f.company_name, round(f.spam, 6), 0.001, f.estimated_revenue_loss
    FROM figures f
    WHERE NOT f.below_min_volume AND f.spam > 0.001
    UNION ALL
    SELECT 'invoice_drift', NULL, r.provider, r.scale_factor, NULL, abs(r.invoiced - r.modeled)
    FROM bi_reconciliation r
    WHERE r.month = %(month)s AND r.flagged
) a
ORDER BY a.dollars_per_month DESC, a.code, a.subject
LIMIT %(alerts_limit)s
