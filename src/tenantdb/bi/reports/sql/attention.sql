-- Customers that need attention (not Excellent, or any reason code): worst health first, then largest loss.
SELECT f.*
FROM figures f
WHERE f.business_health_status <> 'Excellent' OR cardinality(f.reasons) > 0
ORDER BY CASE f.business_health_status
             WHEN 'Critical Action Required' THEN 0 WHEN 'Monitor' THEN 1 WHEN 'Good' THEN 2 ELSE 3 END,
         f.profit, f.company_name, f.tenant_id
LIMIT %(tenants_limit)s
