-- Customers that need attention: not Excellent, or carrying any reason code. The executive summary shows the
-- first of them, worst health first, then largest loss.
SELECT f.*
FROM figures f
WHERE f.business_health_status <> 'Excellent' OR f.has_reasons
