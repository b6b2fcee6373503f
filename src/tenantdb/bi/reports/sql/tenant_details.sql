-- Every column of a customer's month as reports show it (the TenantFigures model), computed from figures rows:
-- ratios rounded for reading, the efficiency score and ratio, the risk level, the cost per delivered e-mail and
-- the reason codes as a list.
-- Selects FROM selected: the figures rows a report shows (all of them, or the few it ranks first).
SELECT f.tenant_id,
       f.company_name,
       f.slug,
       f.plan_name,
       f.price_monthly,
       f.recognized_revenue,
       f.infrastructure_cost,
       f.email_service_cost,
       f.total_cost,
       f.profit,
       round(f.margin, 6) AS gross_margin_ratio,
       CASE WHEN f.margin IS NULL THEN 0 ELSE greatest(0, least(100, round(f.margin * 100, 2))) END
           AS cost_efficiency_score,
       CASE WHEN f.total_cost <> 0 THEN round(f.recognized_revenue / f.total_cost, 6) END AS business_efficiency_ratio,
       f.business_health_status,
       f.margin_not_applicable_reason,
       f.emails_sent,
       f.emails_delivered,
       f.emails_bounced,
       f.spam_complaints,
       round(f.bounce, 6) AS bounce_rate,
       round(f.spam, 6) AS spam_rate,
       CASE WHEN f.emails_sent = 0 THEN 'insufficient_data'
            WHEN f.bounce > 0.10 THEN 'critical_action_required'
            WHEN f.bounce > 0.05 THEN 'monitoring_needed'
            ELSE 'acceptable' END AS business_risk_level,
       f.below_min_volume,
       f.estimated_revenue_loss,
       f.revenue_at_risk,
       f.potential_savings,
       CASE WHEN f.emails_delivered > 0 THEN round(f.total_cost / f.emails_delivered, 6) END
           AS cost_per_email_delivered,
       CASE WHEN f.emails_delivered > 0 THEN round(f.total_cost * 1000 / f.emails_delivered, 4) END
           AS cost_per_1000_delivered,
       f.dedicated_capacity,
       round(f.utilization, 6) AS dedicated_utilization,
       array_remove(ARRAY[
           CASE WHEN f.margin_below_target THEN 'margin_below_target' END,
           CASE WHEN f.unprofitable THEN 'unprofitable' END,
           CASE WHEN f.no_revenue THEN 'no_revenue' END,
           CASE WHEN f.bounce_over_limit THEN 'bounce_over_limit' END,
           CASE WHEN f.bounce_near_limit THEN 'bounce_near_limit' END,
           CASE WHEN f.complaints_over_limit THEN 'complaints_over_limit' END,
           CASE WHEN f.complaints_near_limit THEN 'complaints_near_limit' END,
           CASE WHEN f.idle_dedicated_capacity THEN 'idle_dedicated_capacity' END
       ], NULL) AS reasons
FROM selected f
