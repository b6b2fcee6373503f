-- GRANT SELECT on plans (no tenant column) to tenant_api.
-- Safe: plans is shared, public-to-tenants data.
-- Source: PostgreSQL docs, GRANT
-- expect: none
GRANT SELECT ON plans TO tenant_api;
