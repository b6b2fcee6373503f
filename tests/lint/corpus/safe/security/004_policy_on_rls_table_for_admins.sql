-- A read-all policy on audit_logs for the internal business_analysts role.
-- Safe: SELECT only, for an internal role by design; writes stay tenant-checked.
-- Source: PostgreSQL docs, CREATE POLICY
-- expect: none
CREATE POLICY analysts_read ON audit_logs FOR SELECT TO business_analysts USING (true);
