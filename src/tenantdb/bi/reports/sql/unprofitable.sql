-- Customers whose cost is above their recognized revenue: largest loss first.
SELECT f.*
FROM figures f
WHERE f.total_cost > f.recognized_revenue
ORDER BY f.profit, f.company_name, f.tenant_id
