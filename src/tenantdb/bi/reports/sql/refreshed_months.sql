-- The months present in bi_tenant_monthly, oldest first: one probe of its month index per month (a loose index
-- scan), not a pass over every tenant's rows. Only rows the reader may see count.
WITH RECURSIVE months (month) AS (
    SELECT min(m.month) FROM bi_tenant_monthly m
    UNION ALL
    SELECT (SELECT min(m.month) FROM bi_tenant_monthly m WHERE m.month > months.month)
    FROM months
    WHERE months.month IS NOT NULL
)
SELECT month FROM months WHERE month IS NOT NULL ORDER BY month
