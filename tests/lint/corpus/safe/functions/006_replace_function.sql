-- CREATE OR REPLACE FUNCTION of the existing trigger function.
-- Safe: replacing a function body is catalog-only.
-- Source: PostgreSQL docs, CREATE OR REPLACE FUNCTION
-- expect: none
CREATE OR REPLACE FUNCTION touch_created_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := COALESCE(NEW.created_at, now());
    RETURN NEW;
END
$$;
