-- Customers that need attention: neither Excellent nor Not Applicable, or carrying any reason code. The executive
-- summary shows the first of them, worst health first, then largest loss.
SELECT f.*
FROM figures f
WHERE f.business_health_status NOT IN ('Excellent', 'Not Applicable') OR f.has_reasons
