-- migrate:up
-- deliverability_business_impact and the refresh read deliverability_daily by day range across tenants; the key
-- leads with tenant_id. Built CONCURRENTLY: the table already holds rows and writers keep going.
CREATE INDEX CONCURRENTLY IF NOT EXISTS deliverability_daily_day_idx ON deliverability_daily (day);

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS deliverability_daily_day_idx;

-- migrate:verify
SELECT 'index deliverability_daily_day_idx is invalid (an interrupted concurrent build): drop it and migrate again'
    AS problem
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relname = 'deliverability_daily_day_idx' AND NOT i.indisvalid;
