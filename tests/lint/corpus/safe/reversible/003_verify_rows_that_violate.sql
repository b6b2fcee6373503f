-- Adds a CHECK NOT VALID; verify lists the rows that would violate it.
-- Safe: the verify query returns the offending rows, so it can fail.
-- Source: tenantdb DESIGN, verify blocks
-- expect: none
-- migrate:up
ALTER TABLE plans ADD CONSTRAINT plans_price_non_negative CHECK (monthly_price >= 0) NOT VALID;
-- migrate:down
ALTER TABLE plans DROP CONSTRAINT plans_price_non_negative;
-- migrate:verify
SELECT id, monthly_price FROM plans WHERE monthly_price < 0;
