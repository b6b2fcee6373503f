-- SET NOT NULL on smtp_ip_addresses.warmup_stage.
-- Safe: tenantdb's runner rewrites it online by default (online = true): lint reports the rewrite as info, not a
--   failure (a validated CHECK first, so SET NOT NULL skips the scan).
-- Source: tenantdb DESIGN, online rewrites; PostgreSQL docs, ALTER TABLE SET NOT NULL
-- expect: none
ALTER TABLE smtp_ip_addresses ALTER COLUMN warmup_stage SET NOT NULL;
