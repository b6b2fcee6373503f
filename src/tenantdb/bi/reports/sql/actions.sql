-- Recommended actions, each with the dollars per month it is worth, largest first:
--   reprice_unprofitable_tenant  cost above revenue: the monthly loss
--   raise_margin_to_target       profitable but below the margin target: the gap to the target
--   fix_deliverability           potential_savings of a sender above the minimum volume
--   downsize_idle_dedicated      the idle share of the dedicated servers' cost below the idle threshold
--   consolidate_idle_pool        a pool's idle-capacity lines when above the high-idle share of its cost
--   review_invoice_drift         a flagged reconciliation: |invoiced - modeled|
SELECT a.kind, a.tenant_id, a.subject, a.pool_id, a.dollars_per_month, a.metric
FROM (
    SELECT 'reprice_unprofitable_tenant' AS kind, f.tenant_id, f.company_name AS subject, NULL::uuid AS pool_id,
           f.total_cost - f.recognized_revenue AS dollars_per_month, round(f.margin, 6) AS metric
    FROM figures f
    WHERE f.unprofitable  -- where margin applies: a free or trialing tenant is not repriced
    UNION ALL
    SELECT 'raise_margin_to_target', f.tenant_id, f.company_name, NULL,
           round(%(margin_target)s * f.recognized_revenue - f.profit, 2), round(f.margin, 6)
    FROM figures f
    WHERE f.recognized_revenue > 0 AND f.profit >= 0 AND f.margin < %(margin_target)s
    UNION ALL
    SELECT 'fix_deliverability', f.tenant_id, f.company_name, NULL, f.potential_savings,
           round(greatest(f.bounce, f.spam), 6)
    FROM figures f
    WHERE NOT f.below_min_volume AND f.potential_savings > 0
    UNION ALL
    SELECT 'downsize_idle_dedicated', i.tenant_id, i.company_name, NULL, i.idle_cost, i.dedicated_utilization
    FROM idle_dedicated i
    UNION ALL
    SELECT 'consolidate_idle_pool', NULL, p.pool_name, p.pool_id, p.idle_cost, p.idle_share
    FROM idle_pools p
    WHERE p.idle_share > %(high_idle_share)s
    UNION ALL
    SELECT 'review_invoice_drift', NULL, r.provider, NULL, abs(r.invoiced - r.modeled), r.scale_factor
    FROM bi_reconciliation r
    WHERE r.month = %(month)s AND r.flagged
) a
WHERE a.dollars_per_month > 0
ORDER BY a.dollars_per_month DESC, a.kind, a.subject
LIMIT %(actions_limit)s
