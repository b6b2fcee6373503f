-- migrate:up
-- The limits trigger (0004) counts a tenant's queued and running sessions at every creation: this partial index
-- holds only those, so the count stays small however many sessions a tenant has run. Led by tenant_id like every
-- index of a tenant table (RELIABILITY R26). Built CONCURRENTLY: the table already holds rows and writers keep going.
CREATE INDEX CONCURRENTLY IF NOT EXISTS ai_analysis_sessions_active_idx ON ai_analysis_sessions (tenant_id)
    WHERE status IN ('queued', 'running');

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS ai_analysis_sessions_active_idx;

-- migrate:verify
SELECT 'index ai_analysis_sessions_active_idx is invalid (an interrupted concurrent build): drop it and migrate again'
    AS problem
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relname = 'ai_analysis_sessions_active_idx' AND NOT i.indisvalid;
