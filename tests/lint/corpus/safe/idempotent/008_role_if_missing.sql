-- Creates a role only if it is missing, then grants it SELECT on plans.
-- Safe: re-runnable; the grantee exists before the grant.
-- Source: PostgreSQL docs, CREATE ROLE; DO
-- expect: none
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'finance_readers') THEN
        CREATE ROLE finance_readers NOLOGIN;
    END IF;
END
$$;
GRANT SELECT ON plans TO finance_readers;
