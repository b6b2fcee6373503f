-- Sets smtp_ip_addresses.warmup_stage NOT NULL inside BEGIN ... COMMIT.
-- Unsafe: PostgreSQL scans smtp_ip_addresses under ACCESS EXCLUSIVE to prove no NULL exists; the runner cannot
--   rewrite it online here.
-- Source: squawk docs, adding-not-nullable-field; strong_migrations README, dangerous operations, setting NOT NULL
--   on an existing column; PostgreSQL docs, ALTER TABLE SET NOT NULL
-- expect: ban-set-not-null
BEGIN;
ALTER TABLE smtp_ip_addresses ALTER COLUMN warmup_stage SET NOT NULL;
COMMIT;
