-- A function running dynamic SQL with the tenant id passed via USING.
-- Safe: values are parameters, never spliced into the text.
-- Source: PostgreSQL docs, PL/pgSQL EXECUTE ... USING
-- expect: none
CREATE FUNCTION tenant_audit_count(p_tenant uuid) RETURNS bigint
    LANGUAGE plpgsql STABLE AS $$
DECLARE
    result bigint;
BEGIN
    EXECUTE 'SELECT count(*) FROM audit_logs WHERE tenant_id = $1' INTO result USING p_tenant;
    RETURN result;
END
$$;
