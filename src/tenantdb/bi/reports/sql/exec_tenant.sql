-- One customer's executive metrics of %(month)s and of the month before (%(previous)s, for the trend), exact, from
-- bi_executive_metrics (bi 0010; definitions: docs/business-metrics.md, "Executive business metrics"). The hours
-- are the exact average (the view shows them rounded), as the business performance score reads them.
SELECT x.month,
       x.revenue,
       x.revenue_at_risk,
       x.revenue_risk_score,
       x.revenue_protection_rate,
       x.optimization_savings_potential,
       x.optimization_savings_realized,
       x.optimization_actions_taken,
       x.optimization_savings_rate,
       x.efficiency_score,
       x.efficiency_trend,
       x.strategic_decisions_made,
       (SELECT avg(extract(epoch FROM d.decided_at - d.opened_at)) / 3600
        FROM strategic_decisions d
        WHERE d.tenant_id = x.tenant_id
          AND d.decided_at >= (x.month::timestamp AT TIME ZONE 'UTC')
          AND d.decided_at < ((x.month + interval '1 month')::timestamp AT TIME ZONE 'UTC')) AS avg_decision_time_hours,
       x.gross_margin_ratio,
       x.business_performance_score,
       x.priority_actions_required,
       x.open_recommendations,
       x.open_urgent_losses
FROM bi_executive_metrics x
WHERE x.tenant_id = %(tenant_id)s
  AND x.month IN (%(month)s, %(previous)s)
ORDER BY x.month DESC
