-- Every customer's deliverability of the month against the providers' limits, largest estimated loss first.
-- Reason codes are only given at or above the minimum volume (below_min_volume marks the others).
SELECT f.tenant_id, f.company_name, f.plan_name, f.emails_sent, f.emails_delivered, f.emails_bounced,
       f.spam_complaints, f.bounce_rate, f.spam_rate, f.business_risk_level, f.below_min_volume,
       ARRAY(SELECT r FROM unnest(f.reasons) AS r WHERE r LIKE 'bounce%%' OR r LIKE 'complaints%%') AS reasons,
       f.estimated_revenue_loss, f.revenue_at_risk, f.potential_savings
FROM tenants f
ORDER BY f.estimated_revenue_loss DESC, f.company_name, f.tenant_id
