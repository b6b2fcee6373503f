-- Makes the existing domain money_amount NOT NULL (SET NOT NULL: PostgreSQL 17's named form ADD CONSTRAINT … NOT NULL
--   does the same, and older servers reject it).
-- Unsafe: like a CHECK, it is verified against every column using the domain, and orders.total is nullable: one
--   NULL row makes it fail.
-- Source: PostgreSQL docs, ALTER DOMAIN
-- expect: ban-domain-constraint
ALTER DOMAIN money_amount SET NOT NULL;
