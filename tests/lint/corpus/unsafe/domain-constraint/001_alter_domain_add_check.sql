-- Adds a CHECK to the existing domain money_amount.
-- Unsafe: PostgreSQL checks every column of every table that uses the domain, holding locks for the whole scan.
-- Source: squawk docs, ban-alter-domain-with-add-constraint; PostgreSQL docs, ALTER DOMAIN
-- expect: ban-domain-constraint
ALTER DOMAIN money_amount ADD CONSTRAINT money_amount_positive CHECK (VALUE >= 0);
