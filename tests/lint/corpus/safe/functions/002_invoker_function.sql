-- A plain SECURITY INVOKER SQL function.
-- Safe: runs with the caller's rights, so RLS applies.
-- Source: PostgreSQL docs, CREATE FUNCTION
-- expect: none
CREATE FUNCTION order_total(p_tenant uuid, p_order bigint) RETURNS numeric
    LANGUAGE sql STABLE AS $$
    SELECT sum(quantity)::numeric FROM order_items WHERE tenant_id = p_tenant AND order_id = p_order
$$;
