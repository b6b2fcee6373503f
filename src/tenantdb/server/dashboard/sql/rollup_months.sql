-- The months with rollups the reader can see: every month of the portfolio for the operators' roles, a tenant
-- login's own months under row-level security.
SELECT DISTINCT month FROM bi_tenant_monthly ORDER BY month
