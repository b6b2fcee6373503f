-- One customer's executive metrics of %(month)s and of the month before (%(previous)s, for the trend), exact, from
-- bi_executive_metrics (bi 0010; definitions: docs/business-metrics.md, "Executive business metrics"). The view
-- measures on recognized revenue: the revenue risk score, the customer gross margin and the business performance
-- score are measured here again on the report's revenue basis (the same as the view's on the default basis). The
-- hours are the exact average (the view shows them rounded), as the performance score reads them.
SELECT x.month,
       v.revenue,
       x.revenue_at_risk,
       tenantdb_bi_revenue_risk_score(x.revenue_at_risk, v.revenue) AS revenue_risk_score,
       x.revenue_protection_rate,
       x.optimization_savings_potential,
       x.optimization_savings_realized,
       x.optimization_actions_taken,
       x.optimization_savings_rate,
       x.efficiency_score,
       x.efficiency_trend,
       x.strategic_decisions_made,
       d.hours AS avg_decision_time_hours,
       g.gross_margin_ratio,
       tenantdb_bi_business_performance_score(x.revenue_protection_rate, x.optimization_savings_rate,
                                              x.efficiency_score, d.hours, g.gross_margin_ratio)
           AS business_performance_score,
       x.priority_actions_required,
       x.open_recommendations,
       x.open_urgent_losses
FROM bi_executive_metrics x
JOIN bi_tenant_monthly m ON m.tenant_id = x.tenant_id AND m.month = x.month
CROSS JOIN LATERAL (  -- the revenue on the report's basis
    SELECT CASE %(basis)s WHEN 'cash_revenue' THEN m.cash_revenue ELSE m.recognized_revenue END AS revenue
) v
CROSS JOIN LATERAL (
    SELECT CASE WHEN v.revenue > 0 THEN (v.revenue - m.total_cost) / v.revenue END AS gross_margin_ratio
) g
CROSS JOIN LATERAL (
    SELECT avg(extract(epoch FROM s.decided_at - s.opened_at)) / 3600 AS hours
    FROM strategic_decisions s
    WHERE s.tenant_id = x.tenant_id
      AND s.decided_at >= (x.month::timestamp AT TIME ZONE 'UTC')
      AND s.decided_at < ((x.month + interval '1 month')::timestamp AT TIME ZONE 'UTC')
) d
WHERE x.tenant_id = %(tenant_id)s
  AND x.month IN (%(month)s, %(previous)s)
ORDER BY x.month DESC
