-- A SECURITY DEFINER function without SET search_path.
-- Unsafe: a caller can put their own schema first in search_path and hijack unqualified names with the owner's
--   rights.
-- Source: PostgreSQL docs, CREATE FUNCTION, Writing SECURITY DEFINER Functions Safely
-- expect: require-pinned-search-path
CREATE FUNCTION tenant_order_count(p_tenant uuid) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER AS $$
    SELECT count(*) FROM orders WHERE tenant_id = p_tenant
$$;
