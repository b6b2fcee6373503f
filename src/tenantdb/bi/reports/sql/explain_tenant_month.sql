-- The tenant's rollup row of the month (none for a platform operator or a company without a row that month).
SELECT m.recognized_revenue, m.total_cost, m.plan_name
FROM bi_tenant_monthly m
WHERE m.tenant_id = %(tenant_id)s AND m.month = %(month)s
