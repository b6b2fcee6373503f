-- Deletes IP addresses whose server is gone with NOT IN (subquery).
-- Unsafe: if the subquery yields one NULL, NOT IN is never true and nothing is deleted (or, negated, everything).
-- Source: issue 15, reference customer's classes: NOT IN (subquery) with NULLs; PostgreSQL docs, Subquery
--   Expressions
-- expect: ban-not-in-subquery
DELETE FROM smtp_ip_addresses WHERE vps_id NOT IN (SELECT id FROM vps_instances WHERE region IS NOT NULL);
