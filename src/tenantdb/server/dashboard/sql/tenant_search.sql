-- The tenant list of the dashboard: customers whose name or slug contains %(pattern)s (a LIKE pattern whose
-- wildcards in the user's text are escaped with \), with the month's figures when the month has them.
SELECT c.name, c.slug, m.plan_name, m.recognized_revenue, m.total_cost, m.emails_delivered
FROM companies AS c
LEFT JOIN bi_tenant_monthly AS m ON m.tenant_id = c.id AND m.month = %(month)s
WHERE NOT c.is_platform_operator
  AND (c.name ILIKE %(pattern)s OR c.slug ILIKE %(pattern)s)
ORDER BY c.name, c.slug
LIMIT %(limit)s
