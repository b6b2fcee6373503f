-- The tenant's rollup row of the month, its revenue on the report's basis (none for a platform operator or a
-- company without a row that month).
SELECT CASE %(basis)s WHEN 'cash_revenue' THEN m.cash_revenue ELSE m.recognized_revenue END AS recognized_revenue,
       m.deferred_revenue, m.total_cost, m.plan_name
FROM bi_tenant_monthly m
WHERE m.tenant_id = %(tenant_id)s AND m.month = %(month)s
