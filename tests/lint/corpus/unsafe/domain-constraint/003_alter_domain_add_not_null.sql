-- Adds a NOT NULL constraint to the existing domain money_amount.
-- Unsafe: like a CHECK, it is verified against every column using the domain, and orders.total is nullable: one
--   NULL row makes it fail.
-- Source: PostgreSQL docs, ALTER DOMAIN
-- expect: ban-domain-constraint
ALTER DOMAIN money_amount ADD CONSTRAINT money_amount_required NOT NULL;
