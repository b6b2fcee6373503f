CREATE INDEX CONCURRENTLY IF NOT EXISTS tenants_name_idx ON tenants (name);
