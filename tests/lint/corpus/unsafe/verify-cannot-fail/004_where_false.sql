-- A verify block with WHERE false.
-- Unsafe: it never returns a row, so the gate always passes.
-- Source: issue 15, reference customer's classes: verification queries that cannot fail
-- expect: verify-cannot-fail
-- migrate:up
ALTER TABLE smtp_ip_addresses ADD COLUMN reputation numeric(5, 2);
-- migrate:down
ALTER TABLE smtp_ip_addresses DROP COLUMN reputation;
-- migrate:verify
SELECT id FROM smtp_ip_addresses WHERE false;
