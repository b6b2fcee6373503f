-- A plain CREATE INDEX on the existing table orders, alone in its migration.
-- Safe: tenantdb's runner rewrites it online by default (online = true): lint reports the rewrite as info, not a
--   failure (CREATE INDEX CONCURRENTLY outside a transaction).
-- Source: tenantdb DESIGN, online rewrites; issue 15 (noise: a plain CREATE INDEX the runner rewrites fails lint)
-- expect: none
CREATE INDEX orders_coupon_idx ON orders (tenant_id, coupon_code);
