-- The executive summary the way teams usually write it: one query over the base tables, joined row to row,
-- then grouped. Every tenant's servers x addresses x days x ledger rows are multiplied before the SUMs (so the
-- sums are wrong as well as slow), payments are added into cost, and "gross_margin_ratio" is revenue / cost.
-- This is the peer of the benchmark: what a dashboard runs on every page load without tenantdb's rollups.
SELECT c.id                                                               AS tenant_id,
       c.name                                                             AS company_name,
       p.name                                                             AS plan_name,
       s.current_period_start,
       s.current_period_end,
       p.price_monthly                                                    AS monthly_subscription_revenue,
       coalesce(sum(v.approximate_cost), 0)                               AS infrastructure_costs,
       coalesce(sum(ip.approximate_cost), 0) + coalesce(sum(bt.amount), 0) AS email_service_costs,
       p.price_monthly / nullif(coalesce(sum(v.approximate_cost), 0) + coalesce(sum(ip.approximate_cost), 0), 0)
                                                                          AS gross_margin_ratio,
       coalesce(sum(d.delivered), 0)                                      AS emails_delivered,
       CASE WHEN sum(d.bounced_hard + d.bounced_soft)::numeric / nullif(sum(d.sent), 0) > 0.10
            THEN 'critical_action_required' ELSE 'acceptable' END           AS business_risk_level,
       current_date                                                       AS dashboard_date
FROM companies c
JOIN subscriptions s ON s.tenant_id = c.id AND s.status = 'active'
JOIN plans p ON p.plan_id = s.plan_id
LEFT JOIN vps_instances v ON v.tenant_id = c.id AND v.status = 'active'
LEFT JOIN smtp_ip_addresses ip ON ip.tenant_id = v.tenant_id AND ip.vps_instance_id = v.vps_instance_id
LEFT JOIN deliverability_daily d
       ON d.tenant_id = c.id
      AND d.day >= %(month)s::date AND d.day < (%(month)s::date + interval '1 month')
LEFT JOIN billing_transactions bt
       ON bt.tenant_id = c.id
      AND bt.occurred_at >= %(month)s::date AND bt.occurred_at < (%(month)s::date + interval '1 month')
GROUP BY c.id, c.name, p.name, s.current_period_start, s.current_period_end, p.price_monthly
