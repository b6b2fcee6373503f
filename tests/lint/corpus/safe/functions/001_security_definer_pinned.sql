-- A SECURITY DEFINER function with search_path pinned and pg_temp last.
-- Safe: names resolve only in the trusted schemas; temporary objects cannot shadow them.
-- Source: PostgreSQL docs, Writing SECURITY DEFINER Functions Safely
-- expect: none
CREATE FUNCTION plan_price(p_plan bigint) RETURNS numeric
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT monthly_price FROM public.plans WHERE id = p_plan
$$;
REVOKE ALL ON FUNCTION plan_price(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION plan_price(bigint) TO application_service;
