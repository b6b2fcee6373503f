-- migrate:up
-- The executive metrics of issue 13, per customer and month, from module events' tables (definitions:
-- docs/business-metrics.md, "Executive business metrics"):
--
-- * tenantdb_bi_kpi_targets(): the plan's KPI targets (revenue protection > 95%, optimization savings 10-15% of
--   cost a month, efficiency > 85, decision velocity < 48 h, customer gross margin > 70%) and their weights in the
--   business performance score, defined once: the view, the reports and the dashboards read them from here.
-- * tenantdb_bi_response_target(): a loss resolved within 2 hours of its detection is protected.
-- * tenantdb_bi_revenue_risk_score(), tenantdb_bi_kpi_attainment(), tenantdb_bi_business_performance_score(): the
--   arithmetic, plain SQL expressions the planner inlines (they read no table).
-- * bi_executive_metrics: every metric per customer and refreshed month (a row of bi_tenant_monthly), read tenant
--   by tenant through the events tables' keys and tenant-led indexes (RELIABILITY R26).
-- * executive_business_summary gains the columns the reference customer's executive dashboard query reads, after
--   the existing ones, in the reporting month.

CREATE FUNCTION tenantdb_bi_kpi_targets()
RETURNS TABLE (kpi text, target numeric, target_max numeric, direction text, weight integer, unit text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
VALUES ('revenue_protection_rate', 0.95, NULL::numeric, 'above', 25, 'ratio'),
       ('optimization_savings_rate', 0.10, 0.15, 'between', 20, 'ratio'),
       ('efficiency_score', 85, NULL, 'above', 20, 'points'),
       ('avg_decision_time_hours', 48, NULL, 'below', 15, 'hours'),
       ('gross_margin_ratio', 0.70, NULL, 'above', 20, 'ratio')
$$;
COMMENT ON FUNCTION tenantdb_bi_kpi_targets() IS
    'The analytics plan''s KPI targets, defined once: revenue_protection_rate above 0.95, optimization_savings_rate '
    'between 0.10 and 0.15 of the month''s cost, efficiency_score above 85, avg_decision_time_hours below 48, '
    'gross_margin_ratio above 0.70; weight is the KPI''s share of business_performance_score (they add up to 100). '
    'A KPI is met at or beyond its target (at or above the lower end of a range).';

CREATE FUNCTION tenantdb_bi_response_target()
RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT interval '2 hours'
$$;
COMMENT ON FUNCTION tenantdb_bi_response_target() IS
    'A negative revenue impact resolved within this time of its detection (at exactly 2 hours included) is protected.';

CREATE FUNCTION tenantdb_bi_revenue_risk_score(revenue_at_risk numeric, revenue numeric)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
           WHEN revenue_at_risk <= 0 THEN 0.00
           WHEN revenue <= 0 THEN 100.00
           ELSE round(least(100, 100 * revenue_at_risk / revenue), 2)
       END
$$;
COMMENT ON FUNCTION tenantdb_bi_revenue_risk_score(numeric, numeric) IS
    'revenue_risk_score, 0 to 100: revenue at risk (the month''s unresolved losses) as a percentage of the month''s '
    'revenue, rounded to 2 decimals; 0 with nothing at risk, 100 when the risk is at least the revenue or there is '
    'no revenue.';

CREATE FUNCTION tenantdb_bi_kpi_attainment(direction text, target numeric, actual numeric)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
           WHEN actual IS NULL THEN NULL  -- greatest and least would skip the NULL
           WHEN direction = 'below' THEN CASE WHEN actual <= target THEN 1 ELSE target / actual END
           ELSE least(1, greatest(0, actual / target))
       END
$$;
COMMENT ON FUNCTION tenantdb_bi_kpi_attainment(text, numeric, numeric) IS
    'How much of a KPI target is attained, 0 to 1: actual / target clamped for a KPI to be above (or in a range: '
    'its lower end), target / actual (1 at or below the target) for one to be below; NULL without an actual.';

CREATE FUNCTION tenantdb_bi_business_performance_score(revenue_protection_rate numeric,
                                                       optimization_savings_rate numeric, efficiency_score numeric,
                                                       avg_decision_time_hours numeric, gross_margin_ratio numeric)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT round(100 * sum(k.weight * a.attainment) / sum(k.weight), 2)
FROM tenantdb_bi_kpi_targets() AS k
CROSS JOIN LATERAL (
    SELECT tenantdb_bi_kpi_attainment(k.direction, k.target,
                                      CASE k.kpi
                                          WHEN 'revenue_protection_rate' THEN revenue_protection_rate
                                          WHEN 'optimization_savings_rate' THEN optimization_savings_rate
                                          WHEN 'efficiency_score' THEN efficiency_score
                                          WHEN 'avg_decision_time_hours' THEN avg_decision_time_hours
                                          WHEN 'gross_margin_ratio' THEN gross_margin_ratio
                                      END) AS attainment
) AS a
WHERE a.attainment IS NOT NULL
$$;
COMMENT ON FUNCTION tenantdb_bi_business_performance_score(numeric, numeric, numeric, numeric, numeric) IS
    'business_performance_score, 0 to 100: the weighted attainment of the KPI targets (tenantdb_bi_kpi_targets), '
    'the KPIs without an actual left out and the others re-weighted; rounded to 2 decimals; NULL without any KPI.';

CREATE VIEW bi_executive_metrics WITH (security_invoker = true) AS
SELECT t.tenant_id,
       t.month,
       t.recognized_revenue                                                   AS revenue,
       t.total_cost                                                           AS cost,
       i.revenue_at_risk,
       tenantdb_bi_revenue_risk_score(i.revenue_at_risk, t.recognized_revenue) AS revenue_risk_score,
       i.revenue_protection_rate,
       o.optimization_savings_potential,
       r.optimization_savings_realized,
       o.optimization_actions_taken,
       s.optimization_savings_rate,
       e.score                                                                AS efficiency_score,
       e.score - p.score                                                      AS efficiency_trend,
       round(d.decision_hours, 2)                                             AS avg_decision_time_hours,
       d.strategic_decisions_made,
       s.gross_margin_ratio,
       tenantdb_bi_business_performance_score(i.revenue_protection_rate, s.optimization_savings_rate, e.score,
                                              d.decision_hours, s.gross_margin_ratio)
                                                                              AS business_performance_score,
       o.open_recommendations + i.open_urgent_losses                          AS priority_actions_required,
       o.open_recommendations,
       i.open_urgent_losses
FROM bi_tenant_monthly t
CROSS JOIN LATERAL (
    SELECT (t.month::timestamp AT TIME ZONE 'UTC')                      AS starts,
           ((t.month + interval '1 month')::timestamp AT TIME ZONE 'UTC') AS ends
) m
CROSS JOIN LATERAL (  -- the month's impacts of the customer (primary key (tenant_id, impact_id))
    SELECT coalesce(sum(-x.amount) FILTER (WHERE x.amount < 0 AND x.resolved_at IS NULL), 0) AS revenue_at_risk,
           coalesce(sum(-x.amount) FILTER (WHERE x.amount < 0
                                             AND x.resolved_at <= x.detected_at + tenantdb_bi_response_target()), 0)
               / NULLIF(sum(-x.amount) FILTER (WHERE x.amount < 0), 0)       AS revenue_protection_rate,
           count(*) FILTER (WHERE x.amount < 0 AND x.resolved_at IS NULL AND x.urgency IN ('high', 'critical'))
                                                                              AS open_urgent_losses
    FROM revenue_impacts x
    WHERE x.tenant_id = t.tenant_id
      AND x.month = t.month
) i
CROSS JOIN LATERAL (  -- the customer's optimizations (index (tenant_id, month))
    SELECT coalesce(sum(c.expected_savings) FILTER (WHERE c.month = t.month
                                                      AND c.status IN ('recommended', 'accepted')), 0)
                                                                              AS optimization_savings_potential,
           count(*) FILTER (WHERE c.month = t.month AND c.status IN ('recommended', 'accepted'))
                                                                              AS open_recommendations,
           count(*) FILTER (WHERE c.done_at >= m.starts AND c.done_at < m.ends) AS optimization_actions_taken,
           count(*) FILTER (WHERE c.month = t.month)                          AS recommended
    FROM cost_optimizations c
    WHERE c.tenant_id = t.tenant_id
) o
CROSS JOIN LATERAL (  -- measured on the month's figures
    SELECT coalesce(sum(x.realized), 0) AS optimization_savings_realized,
           count(*) AS measured
    FROM cost_optimizations c
    JOIN cost_optimization_results x
      ON x.tenant_id = c.tenant_id AND x.optimization_id = c.optimization_id AND x.month = t.month
    WHERE c.tenant_id = t.tenant_id
) r
CROSS JOIN LATERAL (
    SELECT CASE WHEN t.total_cost > 0 AND (o.recommended > 0 OR r.measured > 0)
                THEN r.optimization_savings_realized / t.total_cost END AS optimization_savings_rate,
           CASE WHEN t.recognized_revenue > 0
                THEN (t.recognized_revenue - t.total_cost) / t.recognized_revenue END AS gross_margin_ratio
) s
LEFT JOIN efficiency_metrics e ON e.tenant_id = t.tenant_id AND e.month = t.month
LEFT JOIN efficiency_metrics p ON p.tenant_id = t.tenant_id AND p.month = (t.month - interval '1 month')::date
CROSS JOIN LATERAL (  -- decided in the month (index (tenant_id, opened_at): the customer's decisions)
    SELECT avg(extract(epoch FROM x.decided_at - x.opened_at)) / 3600 AS decision_hours,
           count(*) AS strategic_decisions_made
    FROM strategic_decisions x
    WHERE x.tenant_id = t.tenant_id
      AND x.decided_at >= m.starts
      AND x.decided_at < m.ends
) d;
COMMENT ON VIEW bi_executive_metrics IS
    'Per customer and refreshed month, the executive metrics of docs/business-metrics.md from module events'' tables: '
    'revenue_at_risk (the month''s negative revenue impacts still unresolved) and revenue_risk_score; '
    'revenue_protection_rate (the share of the month''s losses, in dollars, resolved within 2 hours of detection; NULL '
    'without any); optimization_savings_potential (expected savings of the month''s open recommendations), '
    'optimization_savings_realized (measured on the month), optimization_actions_taken (done in the month) and '
    'optimization_savings_rate (realized / cost); efficiency_score and efficiency_trend (points against the previous '
    'month); avg_decision_time_hours and strategic_decisions_made (decided in the month); gross_margin_ratio on '
    'recognized revenue; business_performance_score; priority_actions_required (open recommendations of the month + '
    'its unresolved high or critical losses).';
GRANT SELECT ON bi_executive_metrics TO business_analysts, db_administrators;

CREATE OR REPLACE VIEW executive_business_summary WITH (security_invoker = true) AS
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
       tenantdb_bi_health_status(t.recognized_revenue, t.total_cost, e.exemption)
                                                                             AS business_health_status,
       current_date                                                          AS dashboard_date,
       t.infrastructure_cost                                                 AS total_infrastructure_cost,
       t.email_service_cost                                                  AS total_email_service_cost,
       e.exemption                                                           AS margin_not_applicable_reason,
       x.revenue_risk_score,
       x.optimization_savings_potential,
       x.optimization_actions_taken,
       x.efficiency_score,
       x.efficiency_trend,
       x.avg_decision_time_hours,
       x.strategic_decisions_made,
       x.business_performance_score,
       x.priority_actions_required,
       x.revenue_protection_rate,
       x.optimization_savings_realized
FROM bi_tenant_monthly t
CROSS JOIN LATERAL (
    SELECT (t.price_monthly - t.total_cost) / NULLIF(t.price_monthly, 0) AS gross_margin_ratio
) r
CROSS JOIN LATERAL (
    -- the reports' default minimum volume (1,000 e-mails)
    SELECT tenantdb_bi_margin_exemption(t.recognized_revenue, t.plan_id, t.price_monthly, t.subscription_status,
                                        t.emails_sent, 1000) AS exemption
) e
LEFT JOIN bi_executive_metrics x ON x.tenant_id = t.tenant_id AND x.month = t.month
WHERE t.month = (SELECT tenantdb_bi_reporting_month());  -- a sub-select: evaluated once, not per row
COMMENT ON VIEW executive_business_summary IS
    'Per customer, the reporting month (the last complete month): revenue is the plan''s monthly price (as the '
    'dashboard''s users expect) for gross_margin_ratio = (revenue - cost) / revenue, NULL without revenue, '
    'cost_efficiency_score = the ratio x 100 clamped to 0..100 (0 when NULL) and monthly_profit; '
    'business_health_status is the reports'' (tenantdb_bi_health_status on recognized revenue, minimum volume 1,000): '
    'Not Applicable when margin does not apply (margin_not_applicable_reason), else Excellent when revenue > 2 x '
    'cost, Good > 1.5 x, Monitor > 1 x, else Critical Action Required. total_infrastructure_cost, '
    'total_email_service_cost and total_operational_cost mean what they mean in business_cost_allocation. The '
    'executive metrics after them (revenue_risk_score to optimization_savings_realized) are bi_executive_metrics'' '
    'for the month.';
GRANT SELECT ON executive_business_summary TO business_analysts, db_administrators;

ALTER FUNCTION tenantdb_bi_kpi_targets() OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_bi_response_target() OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_bi_revenue_risk_score(numeric, numeric) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_bi_kpi_attainment(text, numeric, numeric) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_bi_business_performance_score(numeric, numeric, numeric, numeric, numeric)
    OWNER TO tenantdb_owner;
ALTER VIEW bi_executive_metrics OWNER TO tenantdb_owner;

-- migrate:down
-- executive_business_summary as bi 0008 left it (CREATE OR REPLACE cannot drop the added columns).
DROP VIEW executive_business_summary;
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
       tenantdb_bi_health_status(t.recognized_revenue, t.total_cost, e.exemption)
                                                                             AS business_health_status,
       current_date                                                          AS dashboard_date,
       t.infrastructure_cost                                                 AS total_infrastructure_cost,
       t.email_service_cost                                                  AS total_email_service_cost,
       e.exemption                                                           AS margin_not_applicable_reason
FROM bi_tenant_monthly t
CROSS JOIN LATERAL (
    SELECT (t.price_monthly - t.total_cost) / NULLIF(t.price_monthly, 0) AS gross_margin_ratio
) r
CROSS JOIN LATERAL (
    -- the reports' default minimum volume (1,000 e-mails)
    SELECT tenantdb_bi_margin_exemption(t.recognized_revenue, t.plan_id, t.price_monthly, t.subscription_status,
                                        t.emails_sent, 1000) AS exemption
) e
WHERE t.month = (SELECT tenantdb_bi_reporting_month());  -- a sub-select: evaluated once, not per row
COMMENT ON VIEW executive_business_summary IS
    'Per customer, the reporting month (the last complete month): revenue is the plan''s monthly price (as the '
    'dashboard''s users expect) for gross_margin_ratio = (revenue - cost) / revenue, NULL without revenue, '
    'cost_efficiency_score = the ratio x 100 clamped to 0..100 (0 when NULL) and monthly_profit; '
    'business_health_status is the reports'' (tenantdb_bi_health_status on recognized revenue, minimum volume 1,000): '
    'Not Applicable when margin does not apply (margin_not_applicable_reason), else Excellent when revenue > 2 x '
    'cost, Good > 1.5 x, Monitor > 1 x, else Critical Action Required. total_infrastructure_cost, '
    'total_email_service_cost and total_operational_cost mean what they mean in business_cost_allocation.';
GRANT SELECT ON executive_business_summary TO business_analysts, db_administrators;
ALTER VIEW executive_business_summary OWNER TO tenantdb_owner;
DROP VIEW bi_executive_metrics;
DROP FUNCTION tenantdb_bi_business_performance_score(numeric, numeric, numeric, numeric, numeric);
DROP FUNCTION tenantdb_bi_kpi_attainment(text, numeric, numeric);
DROP FUNCTION tenantdb_bi_revenue_risk_score(numeric, numeric);
DROP FUNCTION tenantdb_bi_response_target();
DROP FUNCTION tenantdb_bi_kpi_targets();

-- migrate:verify
SELECT 'executive_business_summary lacks ' || c.name AS problem
FROM unnest(ARRAY['revenue_risk_score', 'optimization_savings_potential', 'optimization_actions_taken',
                  'efficiency_score', 'efficiency_trend', 'avg_decision_time_hours', 'strategic_decisions_made',
                  'business_performance_score', 'priority_actions_required']) AS c (name)
WHERE NOT EXISTS (SELECT FROM pg_attribute a
                  WHERE a.attrelid = 'executive_business_summary'::regclass AND a.attname = c.name
                    AND NOT a.attisdropped)
UNION ALL
SELECT 'the KPI weights add up to ' || sum(weight) || ', not 100' FROM tenantdb_bi_kpi_targets() HAVING sum(weight) <> 100;
