-- migrate:up
-- The views executives' existing dashboards query: names and columns kept, definitions as in
-- docs/business-metrics.md. Each shows the reporting month (the latest month in bi_tenant_monthly), customers
-- only. security_invoker: row-level security of the tables applies to the reader.
--
-- Every index of a tenant table leads with tenant_id (RELIABILITY R26), so max(month) over bi_tenant_monthly would
-- read every tenant's rows. The reporting month comes instead from bi_refresh_state (one row per month, no
-- tenant_id): the latest refreshed month that has a row in bi_tenant_monthly, probed company by company through
-- the key (the first customer answers; scalar subqueries, which the planner cannot turn into a hash over every
-- row). tenantdb bi refresh is the only writer of bi_tenant_monthly and records the month in bi_refresh_state in
-- the same transaction, so that is the latest month present; rollups written without it (no refresh recorded)
-- fall back to max(month).

CREATE VIEW executive_business_summary WITH (security_invoker = true) AS
SELECT t.tenant_id,
       t.company_name,
       t.plan_name,
       t.current_period_start,
       t.current_period_end,
       t.price_monthly                                                       AS monthly_subscription_revenue,
       t.infrastructure_cost                                                 AS infrastructure_costs,
       t.email_service_cost                                                  AS email_service_costs,
       r.gross_margin_ratio,
       CASE WHEN r.gross_margin_ratio IS NULL THEN 0  -- greatest and least would skip the NULL and say 100
            ELSE greatest(0, least(100, r.gross_margin_ratio * 100)) END      AS cost_efficiency_score,
       t.total_cost                                                          AS total_operational_cost,
       t.price_monthly - t.total_cost                                        AS monthly_profit,
       CASE
           WHEN t.price_monthly > 2 * t.total_cost THEN 'Excellent'
           WHEN t.price_monthly > 1.5 * t.total_cost THEN 'Good'
           WHEN t.price_monthly > t.total_cost THEN 'Monitor'
           ELSE 'Critical Action Required'
       END                                                                   AS business_health_status,
       current_date                                                          AS dashboard_date
FROM bi_tenant_monthly t
CROSS JOIN LATERAL (
    SELECT (t.price_monthly - t.total_cost) / NULLIF(t.price_monthly, 0) AS gross_margin_ratio
) r
WHERE t.month = (SELECT coalesce(
                     (SELECT s.month
                      FROM bi_refresh_state s
                      WHERE (SELECT true FROM companies c
                             WHERE (SELECT true FROM bi_tenant_monthly x
                                    WHERE x.tenant_id = c.id AND x.month = s.month LIMIT 1)
                             LIMIT 1)
                      ORDER BY s.month DESC
                      LIMIT 1),
                     (SELECT max(x.month) FROM bi_tenant_monthly x)));
COMMENT ON VIEW executive_business_summary IS
    'Per customer, the reporting month: revenue is the plan''s monthly price (as the dashboard''s users expect); '
    'gross_margin_ratio = (revenue - cost) / revenue, NULL without revenue; cost_efficiency_score = the ratio x '
    '100 clamped to 0..100 (0 when NULL); business_health_status Excellent when revenue > 2 x cost, Good > 1.5 x, '
    'Monitor > 1 x, else Critical Action Required.';
GRANT SELECT ON executive_business_summary TO business_analysts, db_administrators;

CREATE VIEW business_cost_allocation WITH (security_invoker = true) AS
SELECT t.tenant_id,
       t.company_name,
       t.plan_name,
       t.price_monthly,
       t.infrastructure_cost                                         AS total_infrastructure_cost,
       t.email_service_cost                                          AS total_email_service_cost,
       t.total_cost / NULLIF(t.emails_delivered, 0)                  AS cost_per_email_delivered,
       t.total_cost                                                  AS total_monthly_cost,
       t.recognized_revenue - t.total_cost                           AS monthly_profit,
       t.recognized_revenue / NULLIF(t.total_cost, 0)                AS business_efficiency_ratio
FROM bi_tenant_monthly t
WHERE t.month = (SELECT coalesce(
                     (SELECT s.month
                      FROM bi_refresh_state s
                      WHERE (SELECT true FROM companies c
                             WHERE (SELECT true FROM bi_tenant_monthly x
                                    WHERE x.tenant_id = c.id AND x.month = s.month LIMIT 1)
                             LIMIT 1)
                      ORDER BY s.month DESC
                      LIMIT 1),
                     (SELECT max(x.month) FROM bi_tenant_monthly x)));
COMMENT ON VIEW business_cost_allocation IS
    'Per customer, the reporting month: revenue is recognized revenue (billing ledger, refunds deducted); '
    'cost_per_email_delivered = cost / delivered e-mails (cost only, NULL without deliveries); '
    'business_efficiency_ratio = revenue / cost (dollars earned per dollar spent, not a margin; NULL without cost).';
GRANT SELECT ON business_cost_allocation TO business_analysts, db_administrators;

CREATE VIEW deliverability_business_impact WITH (security_invoker = true) AS
SELECT d.tenant_id                                                                   AS company_id,
       d.day                                                                         AS tracking_date,
       d.sent                                                                        AS emails_sent,
       b.bounced                                                                     AS emails_bounced,
       d.spam_complaints                                                             AS emails_spam,
       b.bounced::numeric / NULLIF(d.sent, 0)                                        AS bounce_rate,
       d.spam_complaints::numeric / NULLIF(d.delivered, 0)                           AS spam_rate,
       0.05 * b.bounced + 0.25 * d.spam_complaints                                   AS estimated_revenue_loss,
       CASE
           WHEN d.sent = 0 THEN 'insufficient_data'
           WHEN b.bounced > 0.10 * d.sent THEN 'critical_action_required'
           WHEN b.bounced > 0.05 * d.sent THEN 'monitoring_needed'
           ELSE 'acceptable'
       END                                                                           AS business_risk_level,
       0.05 * greatest(0, b.bounced - 0.02 * d.sent)
           + 0.25 * greatest(0, d.spam_complaints - 0.001 * d.delivered)             AS potential_savings
FROM (SELECT (SELECT coalesce(
          (SELECT s.month
           FROM bi_refresh_state s
           WHERE (SELECT true FROM companies c
                  WHERE (SELECT true FROM bi_tenant_monthly x
                         WHERE x.tenant_id = c.id AND x.month = s.month LIMIT 1)
                  LIMIT 1)
           ORDER BY s.month DESC
           LIMIT 1),
          (SELECT max(x.month) FROM bi_tenant_monthly x))) AS first_day) m
CROSS JOIN companies c
-- Customer by customer: the reporting month of each is one range of deliverability_daily_day_idx (tenant_id, day).
CROSS JOIN LATERAL (
    SELECT x.tenant_id, x.day, x.sent, x.delivered, x.bounced_hard, x.bounced_soft, x.spam_complaints
    FROM deliverability_daily x
    WHERE x.tenant_id = c.id
      AND x.day >= m.first_day
      AND x.day < (m.first_day + interval '1 month')::date
) d
CROSS JOIN LATERAL (SELECT d.bounced_hard + d.bounced_soft AS bounced) b
WHERE NOT c.is_platform_operator;
COMMENT ON VIEW deliverability_business_impact IS
    'Per customer and day of the reporting month: bounce_rate = (hard + soft bounces) / sent, spam_rate = '
    'complaints / delivered (NULL without volume); estimated_revenue_loss at $0.05 per bounce and $0.25 per '
    'complaint; business_risk_level insufficient_data without volume (never acceptable), critical_action_required '
    'above a 10% bounce rate, monitoring_needed above 5%; potential_savings = the loss avoided at a 2% bounce and a '
    '0.1% complaint rate.';
GRANT SELECT ON deliverability_business_impact TO business_analysts, db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER VIEW executive_business_summary OWNER TO tenantdb_owner;
ALTER VIEW business_cost_allocation OWNER TO tenantdb_owner;
ALTER VIEW deliverability_business_impact OWNER TO tenantdb_owner;

-- migrate:down
DROP VIEW deliverability_business_impact;
DROP VIEW business_cost_allocation;
DROP VIEW executive_business_summary;

-- migrate:verify
SELECT 'view ' || v.name || ' is missing' AS problem
FROM unnest(ARRAY['executive_business_summary', 'business_cost_allocation', 'deliverability_business_impact'])
    AS v (name)
WHERE to_regclass(v.name) IS NULL;
