-- A plain CREATE UNIQUE INDEX on vps_instances.
-- Safe: tenantdb's runner rewrites it online by default (online = true): lint reports the rewrite as info, not a
--   failure (CREATE UNIQUE INDEX CONCURRENTLY).
-- Source: tenantdb DESIGN, online rewrites
-- expect: none
CREATE UNIQUE INDEX vps_instances_region_host_idx ON vps_instances (region, hostname);
