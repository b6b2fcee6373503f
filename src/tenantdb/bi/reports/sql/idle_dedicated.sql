-- Customers whose dedicated servers sent below the idle threshold of their capacity: largest idle cost first.
SELECT f.*
FROM figures f
WHERE 'idle_dedicated_capacity' = ANY (f.reasons)
ORDER BY f.idle_dedicated_cost DESC, f.company_name, f.tenant_id
