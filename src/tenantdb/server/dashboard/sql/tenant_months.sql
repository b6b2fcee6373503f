-- The months a tenant login can pick: those of its own rollup rows (row-level security shows only them).
SELECT DISTINCT month FROM bi_tenant_monthly ORDER BY month
