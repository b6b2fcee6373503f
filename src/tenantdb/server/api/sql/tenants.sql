-- GET /api/v1/tenants: every customer's month (selects FROM figures: bi/reports/sql/tenant_figures.sql) filtered by
-- plan name, health status, a slug or name prefix and revenue at risk; total: how many match. The page's keyset
-- predicate and order come from a fixed allow-list in server/api/tenants.py; every value is a placeholder.
SELECT f.tenant_id,
       f.slug,
       f.company_name,
       f.plan_name,
       f.recognized_revenue AS revenue,
       f.total_cost AS cost,
       f.profit,
       round(f.margin, 4) AS gross_margin_ratio,
       f.business_health_status,
       f.revenue_at_risk,
       f.emails_sent,
       f.emails_delivered,
       count(*) OVER () AS total
FROM figures f
WHERE (%(plan)s::text IS NULL OR f.plan_name = %(plan)s::text)
  AND (%(health)s::text IS NULL OR f.business_health_status = %(health)s::text)
  AND (%(search)s::text IS NULL
       OR starts_with(lower(f.slug), lower(%(search)s::text))
       OR starts_with(lower(f.company_name), lower(%(search)s::text)))
  AND (NOT %(at_risk)s::boolean OR f.revenue_at_risk > 0)
