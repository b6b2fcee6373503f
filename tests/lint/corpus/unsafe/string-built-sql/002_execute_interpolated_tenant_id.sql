-- A function that interpolates a tenant id into dynamic SQL.
-- Unsafe: the value is spliced into the text instead of passed with USING: SQL injection and plan-cache misses.
-- Source: issue 15, reference customer's classes: interpolated tenant ids; PostgreSQL docs, PL/pgSQL quote_literal
--   / USING
-- expect: ban-string-built-sql
CREATE FUNCTION purge_tenant_audit(p_tenant uuid) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'DELETE FROM audit_logs WHERE tenant_id = ''' || p_tenant || '''';
END
$$;
