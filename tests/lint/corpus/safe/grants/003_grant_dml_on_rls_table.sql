-- GRANT SELECT, INSERT on audit_logs (RLS forced) to tenant_api.
-- Safe: the policy limits every statement to the current tenant.
-- Source: PostgreSQL docs, GRANT; Row Security Policies
-- expect: none
GRANT SELECT, INSERT ON audit_logs TO tenant_api;
