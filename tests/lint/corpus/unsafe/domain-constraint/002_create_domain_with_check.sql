-- Creates a domain with a CHECK constraint.
-- Unsafe: changing the check later means ALTER DOMAIN, which scans every table using it; a table CHECK is cheaper
--   to evolve.
-- Source: squawk docs, ban-create-domain-with-constraint
-- expect: ban-domain-constraint
CREATE DOMAIN percentage AS numeric(5, 2) CHECK (VALUE BETWEEN 0 AND 100);
