-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY IF NOT EXISTS tenants_name_idx ON tenants (name);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY IF EXISTS tenants_name_idx;
