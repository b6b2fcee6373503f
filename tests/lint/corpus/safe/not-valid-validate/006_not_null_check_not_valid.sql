-- Adds CHECK (warmup_stage IS NOT NULL) NOT VALID to smtp_ip_addresses: the first step of making a column NOT
--   NULL.
-- Safe: no scan; the validated check later lets SET NOT NULL skip its scan.
-- Source: squawk docs, adding-not-nullable-field; strong_migrations README, dangerous operations, setting NOT NULL
--   on an existing column
-- expect: none
ALTER TABLE smtp_ip_addresses ADD CONSTRAINT smtp_ip_warmup_not_null CHECK (warmup_stage IS NOT NULL) NOT VALID;
