-- The portfolio's executive metrics of %(month)s (docs/business-metrics.md, "Executive business metrics"): every row
-- of module events' tables for the month, the customers' and the platform's (a pool's or an invoice's
-- recommendation has no tenant). Revenue and costs are the report's key metrics: %(revenue)s (customers, on the
-- report's basis), %(customers_cost)s and %(cost)s (the modeled cost of the month). Exact values: the report rounds.
--
-- Tenant-keyed tables are read tenant by tenant through keys that lead with tenant_id (RELIABILITY R26).
WITH bounds AS (
    SELECT (%(month)s::date::timestamp AT TIME ZONE 'UTC') AS starts,
           ((%(month)s::date + interval '1 month')::timestamp AT TIME ZONE 'UTC') AS ends,
           (%(month)s::date - interval '1 month')::date AS previous
), losses AS (
    SELECT coalesce(sum(-x.amount) FILTER (WHERE x.resolved_at IS NULL), 0) AS revenue_at_risk,
           coalesce(sum(-x.amount) FILTER (WHERE x.resolved_at <= x.detected_at + tenantdb_bi_response_target()), 0)
               / NULLIF(sum(-x.amount), 0) AS revenue_protection_rate,
           count(*) FILTER (WHERE x.resolved_at IS NULL AND x.urgency IN ('high', 'critical')) AS open_urgent_losses
    FROM revenue_impacts x
    WHERE x.tenant_id = ANY (ARRAY(SELECT c.id FROM companies c))
      AND x.month = %(month)s
      AND x.amount < 0
), optimizations AS (
    SELECT coalesce(sum(o.expected_savings) FILTER (WHERE o.month = %(month)s
                                                      AND o.status IN ('recommended', 'accepted')), 0)
               AS optimization_savings_potential,
           count(*) FILTER (WHERE o.month = %(month)s AND o.status IN ('recommended', 'accepted'))
               AS open_recommendations,
           count(*) FILTER (WHERE o.done_at >= b.starts AND o.done_at < b.ends) AS optimization_actions_taken,
           count(*) FILTER (WHERE o.month = %(month)s) AS recommended
    FROM cost_optimizations o
    CROSS JOIN bounds b
), results AS (
    SELECT coalesce(sum(r.realized), 0) AS optimization_savings_realized,
           count(*) AS measured
    FROM cost_optimization_results r
    WHERE r.month = %(month)s
), efficiency AS (
    SELECT round(sum(e.score * e.capacity) FILTER (WHERE e.month = %(month)s)
                 / NULLIF(sum(e.capacity) FILTER (WHERE e.month = %(month)s), 0), 2) AS efficiency_score,
           round(sum(e.score * e.capacity) FILTER (WHERE e.month = b.previous)
                 / NULLIF(sum(e.capacity) FILTER (WHERE e.month = b.previous), 0), 2) AS previous_score
    FROM efficiency_metrics e
    CROSS JOIN bounds b
    WHERE e.tenant_id = ANY (ARRAY(SELECT c.id FROM companies c))
      AND e.month IN (%(month)s, b.previous)
      AND e.score IS NOT NULL
      AND e.capacity > 0
), decisions AS (
    SELECT avg(extract(epoch FROM d.decided_at - d.opened_at)) / 3600 AS decision_hours,
           count(*) AS strategic_decisions_made
    FROM strategic_decisions d
    CROSS JOIN bounds b
    WHERE d.decided_at >= b.starts
      AND d.decided_at < b.ends
), ratios AS (
    SELECT CASE WHEN %(cost)s::numeric > 0 AND (o.recommended > 0 OR r.measured > 0)
                THEN r.optimization_savings_realized / %(cost)s::numeric END AS optimization_savings_rate,
           CASE WHEN %(revenue)s::numeric > 0
                THEN (%(revenue)s::numeric - %(customers_cost)s::numeric) / %(revenue)s::numeric END
               AS gross_margin_ratio
    FROM optimizations o
    CROSS JOIN results r
)
SELECT %(revenue)s::numeric AS revenue,
       l.revenue_at_risk,
       tenantdb_bi_revenue_risk_score(l.revenue_at_risk, %(revenue)s::numeric) AS revenue_risk_score,
       l.revenue_protection_rate,
       o.optimization_savings_potential,
       r.optimization_savings_realized,
       o.optimization_actions_taken,
       q.optimization_savings_rate,
       e.efficiency_score,
       e.efficiency_score - e.previous_score AS efficiency_trend,
       d.strategic_decisions_made,
       d.decision_hours AS avg_decision_time_hours,
       q.gross_margin_ratio,
       tenantdb_bi_business_performance_score(l.revenue_protection_rate, q.optimization_savings_rate,
                                              e.efficiency_score, d.decision_hours, q.gross_margin_ratio)
           AS business_performance_score,
       o.open_recommendations + l.open_urgent_losses AS priority_actions_required,
       o.open_recommendations,
       l.open_urgent_losses
FROM losses l
CROSS JOIN optimizations o
CROSS JOIN results r
CROSS JOIN efficiency e
CROSS JOIN decisions d
CROSS JOIN ratios q
