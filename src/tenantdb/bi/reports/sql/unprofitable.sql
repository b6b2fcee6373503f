-- Customers whose cost is above their recognized revenue: largest loss first.
SELECT t.*
FROM tenants t
WHERE t.total_cost > t.recognized_revenue
ORDER BY t.profit, t.company_name, t.tenant_id
