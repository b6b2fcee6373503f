-- Idle dedicated capacity, largest idle cost first.
SELECT i.*
FROM idle_dedicated i
ORDER BY i.idle_cost DESC, i.company_name, i.tenant_id
