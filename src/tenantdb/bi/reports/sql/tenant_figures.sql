-- Every customer's month for the report queries: bi_tenant_monthly with the unrounded ratios (margin, bounce, spam,
-- utilization), the health status (tenantdb_bi_health_status: the definition the views use too, with why margin
-- does not apply when it does not), one flag per health reason code (has_reasons: any of them; margin_below_target
-- and unprofitable not for free-plan and trialing customers, whose cost without revenue is by design; no_revenue for
-- a paid plan's customer where margin applies and revenue is 0 or less) and the money
-- figures of docs/business-metrics.md (revenue at risk: tenantdb_bi_revenue_at_risk).
-- Revenue is on the report's basis %(basis)s: recognized_revenue (the default) or cash_revenue of the month.
-- Placeholders: month, basis, margin_target, min_volume, idle_utilization.
-- Reads only bi_tenant_monthly and companies, the month's row of each company through the key (tenant_id, month):
-- every index of a tenant table leads with tenant_id (RELIABILITY R26). Computes only what the queries filter, rank
-- and sum on; tenant_details.sql adds the rounded, report-ready columns to the rows shown.
SELECT m.tenant_id,
       m.company_name,
       c.slug,
       m.plan_name,
       m.price_monthly,
       v.revenue AS recognized_revenue,
       m.infrastructure_cost,
       m.email_service_cost,
       m.total_cost,
       v.revenue - m.total_cost AS profit,
       m.emails_sent,
       m.emails_delivered,
       m.emails_bounced,
       m.spam_complaints,
       m.dedicated_capacity,
       r.margin,
       r.bounce,
       r.spam,
       r.utilization,
       tenantdb_bi_health_status(v.revenue, m.total_cost, x.exemption) AS business_health_status,
       x.exemption AS margin_not_applicable_reason,
       m.emails_sent < %(min_volume)s AS below_min_volume,
       0.05 * m.emails_bounced + 0.25 * m.spam_complaints AS estimated_revenue_loss,
       tenantdb_bi_revenue_at_risk(v.revenue, m.emails_sent, m.emails_delivered, m.emails_bounced,
                                   m.spam_complaints, %(min_volume)s) AS revenue_at_risk,
       round(0.05 * greatest(0, m.emails_bounced - 0.02 * m.emails_sent)
             + 0.25 * greatest(0, m.spam_complaints - 0.001 * m.emails_delivered), 2) AS potential_savings,
       k.margin_below_target,
       k.unprofitable,
       k.bounce_near_limit,
       k.bounce_over_limit,
       k.complaints_near_limit,
       k.complaints_over_limit,
       k.idle_dedicated_capacity,
       k.no_revenue,
       k.margin_below_target OR k.unprofitable OR k.no_revenue OR k.bounce_near_limit OR k.bounce_over_limit
           OR k.complaints_near_limit OR k.complaints_over_limit OR k.idle_dedicated_capacity AS has_reasons
FROM bi_tenant_monthly m
JOIN companies c ON c.id = m.tenant_id
CROSS JOIN LATERAL (  -- the revenue on the report's basis (recognized_revenue keeps its name in the rows)
    SELECT CASE %(basis)s WHEN 'cash_revenue' THEN m.cash_revenue ELSE m.recognized_revenue END AS revenue
) v
CROSS JOIN LATERAL (
    SELECT tenantdb_bi_margin_exemption(v.revenue, m.plan_id, m.price_monthly, m.subscription_status,
                                        m.emails_sent, %(min_volume)s) AS exemption
) x
CROSS JOIN LATERAL (  -- no revenue by design: the free tier's and trials' cost is no margin problem
    SELECT x.exemption IN ('free_plan', 'trial') AS by_design
) y
CROSS JOIN LATERAL (
    SELECT CASE WHEN v.revenue <> 0
                THEN (v.revenue - m.total_cost) / v.revenue END AS margin,
           CASE WHEN m.emails_sent > 0 THEN m.emails_bounced::numeric / m.emails_sent END AS bounce,
           CASE WHEN m.emails_delivered > 0 THEN m.spam_complaints::numeric / m.emails_delivered END AS spam,
           CASE WHEN m.dedicated_capacity > 0
                THEN least(1, m.emails_sent::numeric / m.dedicated_capacity) END AS utilization
) r
CROSS JOIN LATERAL (
    SELECT y.by_design IS NOT TRUE AND (coalesce(r.margin < %(margin_target)s, false)
                                        OR (v.revenue = 0 AND m.total_cost > 0)) AS margin_below_target,
           y.by_design IS NOT TRUE AND m.total_cost > v.revenue AS unprofitable,
           x.exemption IS NULL AND v.revenue <= 0 AS no_revenue,
           coalesce(m.emails_sent >= %(min_volume)s AND r.bounce > 0.04 AND r.bounce <= 0.05, false)
               AS bounce_near_limit,
           coalesce(m.emails_sent >= %(min_volume)s AND r.bounce > 0.05, false) AS bounce_over_limit,
           coalesce(m.emails_sent >= %(min_volume)s AND r.spam > 0.0008 AND r.spam <= 0.001, false)
               AS complaints_near_limit,
           coalesce(m.emails_sent >= %(min_volume)s AND r.spam > 0.001, false) AS complaints_over_limit,
           coalesce(r.utilization < %(idle_utilization)s, false) AS idle_dedicated_capacity
) k
WHERE m.tenant_id = ANY (ARRAY(SELECT o.id FROM companies o))  -- tenant by tenant: the key leads with it
  AND m.month = %(month)s
