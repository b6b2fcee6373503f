-- Adds a UNIQUE NULLS NOT DISTINCT constraint to smtp_ip_addresses.
-- Unsafe: the unique index is built under ACCESS EXCLUSIVE; the online path cannot express NULLS NOT DISTINCT, so
--   the runner leaves it as written.
-- Source: squawk docs, disallowed-unique-constraint; strong_migrations README, dangerous operations, adding a
--   unique constraint
-- expect: ban-add-unique-constraint
ALTER TABLE smtp_ip_addresses ADD CONSTRAINT smtp_ip_address_key UNIQUE NULLS NOT DISTINCT (address);
