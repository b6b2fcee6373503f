-- migrate:up
-- deliverability_business_impact and the refresh read a month of deliverability_daily for every tenant, tenant by
-- tenant (tenant_id = ANY (the companies' ids)): this index covers those reads (index-only scans of the day range
-- of each tenant). Led by tenant_id like every index of a tenant table (RELIABILITY R26): one led by day would let
-- a tenant's own predicate on day drive a scan that row-level security only filters, and EXPLAIN ANALYZE count
-- other tenants' rows. Built CONCURRENTLY: the table already holds rows and writers keep going.
CREATE INDEX CONCURRENTLY IF NOT EXISTS deliverability_daily_day_idx ON deliverability_daily (tenant_id, day)
    INCLUDE (sent, delivered, bounced_hard, bounced_soft, spam_complaints, updated_at);

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS deliverability_daily_day_idx;

-- migrate:verify
SELECT 'index deliverability_daily_day_idx is invalid (an interrupted concurrent build): drop it and migrate again'
    AS problem
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relname = 'deliverability_daily_day_idx' AND NOT i.indisvalid;
