-- Revenue Health Monitor, the portfolio's month (selects FROM figures, sql/tenant_figures.sql): revenue on the
-- report's basis, revenue at risk (tenantdb_bi_revenue_at_risk: the figure of the executive report's key metrics),
-- the customers it is at risk from, and the portfolio's bounce rate (bounced / sent) and spam rate (complaints /
-- delivered) with the customers over each provider limit (at or above the minimum volume).
SELECT count(*) AS tenants,
       coalesce(sum(f.recognized_revenue), 0) AS revenue,
       coalesce(sum(f.revenue_at_risk), 0) AS revenue_at_risk,
       count(*) FILTER (WHERE f.revenue_at_risk > 0) AS at_risk_tenants,
       coalesce(sum(f.emails_sent), 0)::bigint AS emails_sent,
       coalesce(sum(f.emails_delivered), 0)::bigint AS emails_delivered,
       round(sum(f.emails_bounced)::numeric / NULLIF(sum(f.emails_sent), 0), 6) AS bounce_rate,
       round(sum(f.spam_complaints)::numeric / NULLIF(sum(f.emails_delivered), 0), 6) AS spam_rate,
       count(*) FILTER (WHERE NOT f.below_min_volume AND f.bounce > 0.05) AS tenants_over_bounce_limit,
       count(*) FILTER (WHERE NOT f.below_min_volume AND f.spam > 0.001) AS tenants_over_spam_limit
FROM figures f
