-- A SECURITY DEFINER function whose search_path does not put pg_temp last.
-- Unsafe: pg_temp is searched first unless listed last: temporary objects can shadow the real ones.
-- Source: PostgreSQL docs, Writing SECURITY DEFINER Functions Safely
-- expect: require-pinned-search-path
CREATE FUNCTION plan_price(p_plan bigint) RETURNS numeric
    LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
    SELECT monthly_price FROM plans WHERE id = p_plan
$$;
