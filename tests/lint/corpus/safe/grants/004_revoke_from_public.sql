-- REVOKE ALL ON vps_instances FROM PUBLIC.
-- Safe: removing access is never a data hazard.
-- Source: PostgreSQL docs, REVOKE
-- expect: none
REVOKE ALL ON vps_instances, smtp_ip_addresses FROM PUBLIC;
