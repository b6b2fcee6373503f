-- GRANT USAGE on a schema and SELECT on operator tables to business_analysts.
-- Safe: read-only access to operator data for an internal role.
-- Source: PostgreSQL docs, GRANT
-- expect: none
GRANT USAGE ON SCHEMA reporting TO business_analysts;
GRANT SELECT ON vps_instances, smtp_ip_addresses TO business_analysts;
