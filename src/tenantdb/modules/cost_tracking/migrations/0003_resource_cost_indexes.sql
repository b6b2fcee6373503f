-- migrate:up
-- Statement by statement (CONCURRENTLY cannot run in a transaction), each committed on its own: the constraints
-- 0002 added NOT VALID are validated without holding its lock, and the indexes are built CONCURRENTLY:
-- vps_instances and smtp_ip_addresses already hold rows, and writers keep going.
ALTER TABLE vps_instances VALIDATE CONSTRAINT vps_instances_approximate_cost_check;
ALTER TABLE vps_instances VALIDATE CONSTRAINT vps_instances_cost_pool_id_fkey;
ALTER TABLE smtp_ip_addresses VALIDATE CONSTRAINT smtp_ip_addresses_approximate_cost_check;
ALTER TABLE vps_instances VALIDATE CONSTRAINT vps_instances_pooled_only_when_shared;
-- Indexes built CONCURRENTLY: vps_instances and smtp_ip_addresses already hold rows, and writers keep going.
-- Led by tenant_id like every index of a tenant table (RELIABILITY R26): shared servers belong to the platform
-- operator, so a pool's servers are one range of it.
CREATE INDEX CONCURRENTLY IF NOT EXISTS vps_instances_cost_pool_idx ON vps_instances (tenant_id, cost_pool_id);
-- The cost of the servers that run now ("active servers and what they cost").
CREATE INDEX CONCURRENTLY IF NOT EXISTS vps_instances_active_cost_idx
    ON vps_instances (tenant_id, approximate_cost) WHERE status = 'active';
-- IP addresses have no 'active' status: the ones in use are available, warming or warmed (burned and retired
-- addresses send nothing).
CREATE INDEX CONCURRENTLY IF NOT EXISTS smtp_ip_addresses_active_cost_idx
    ON smtp_ip_addresses (tenant_id, approximate_cost) WHERE status IN ('available', 'warming', 'warmed');

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS smtp_ip_addresses_active_cost_idx;
DROP INDEX CONCURRENTLY IF EXISTS vps_instances_active_cost_idx;
DROP INDEX CONCURRENTLY IF EXISTS vps_instances_cost_pool_idx;

-- migrate:verify
SELECT 'index ' || c.relname || ' is invalid (an interrupted concurrent build): drop it and migrate again' AS problem
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relname IN ('vps_instances_cost_pool_idx', 'vps_instances_active_cost_idx',
                    'smtp_ip_addresses_active_cost_idx')
  AND NOT i.indisvalid;
