-- migrate:up
CREATE TABLE ai_analysis_sessions (
    tenant_id          uuid         NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    session_id         uuid         NOT NULL DEFAULT gen_random_uuid(),
    portfolio_id       uuid         NOT NULL,
    analysis_type      text         NOT NULL CHECK (analysis_type ~ '^[a-z][a-z0-9_]{0,62}$'),
    model              text         NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    status             text         NOT NULL DEFAULT 'queued'
                                    CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    progress           integer      NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    parameters         jsonb        NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(parameters) = 'object'),
    results            jsonb,
    confidence         numeric(4,3) CHECK (confidence BETWEEN 0 AND 1),
    error_message      text,
    processing_time_ms bigint       CHECK (processing_time_ms >= 0),
    started_at         timestamptz,
    finished_at        timestamptz,
    created_at         timestamptz  NOT NULL DEFAULT now(),
    updated_at         timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, session_id),
    FOREIGN KEY (tenant_id, portfolio_id) REFERENCES portfolios (tenant_id, portfolio_id) ON DELETE CASCADE,
    CONSTRAINT ai_analysis_sessions_queued_not_started
        CHECK (status <> 'queued' OR (started_at IS NULL AND finished_at IS NULL)),
    CONSTRAINT ai_analysis_sessions_running_started
        CHECK (status NOT IN ('running', 'succeeded') OR started_at IS NOT NULL),
    CONSTRAINT ai_analysis_sessions_finished_when_done
        CHECK ((status IN ('succeeded', 'failed')) = (finished_at IS NOT NULL)),
    CONSTRAINT ai_analysis_sessions_period_ordered
        CHECK (finished_at IS NULL OR started_at IS NULL OR finished_at >= started_at),
    CONSTRAINT ai_analysis_sessions_succeeded_complete
        CHECK (status <> 'succeeded' OR (progress = 100 AND results IS NOT NULL)),
    CONSTRAINT ai_analysis_sessions_failed_has_error CHECK (status <> 'failed' OR error_message IS NOT NULL),
    CONSTRAINT ai_analysis_sessions_confidence_has_results CHECK (confidence IS NULL OR results IS NOT NULL),
    CONSTRAINT ai_analysis_sessions_time_when_finished CHECK (processing_time_ms IS NULL OR finished_at IS NOT NULL)
);
COMMENT ON TABLE ai_analysis_sessions IS
    'One AI analysis of a portfolio: queued -> running -> succeeded or failed. The CHECKs keep status, progress, '
    'timestamps and results consistent with each other.';
COMMENT ON COLUMN ai_analysis_sessions.analysis_type IS 'What is analysed, a lower-case key such as valuation or risk.';
COMMENT ON COLUMN ai_analysis_sessions.model IS 'The AI model (and version) that ran the analysis.';
COMMENT ON COLUMN ai_analysis_sessions.progress IS 'Percent done, 0 to 100; 100 once succeeded.';
COMMENT ON COLUMN ai_analysis_sessions.parameters IS 'The analysis'' inputs, a JSON object.';
COMMENT ON COLUMN ai_analysis_sessions.results IS 'The analysis'' output; required once succeeded.';
COMMENT ON COLUMN ai_analysis_sessions.confidence IS 'The model''s confidence in the results, 0 to 1 (3 decimals).';
COMMENT ON COLUMN ai_analysis_sessions.error_message IS 'Why the analysis failed; required once failed.';
COMMENT ON COLUMN ai_analysis_sessions.processing_time_ms IS
    'Compute time spent, in milliseconds; set when finished and never more than finished_at - started_at '
    '(verify block).';
COMMENT ON COLUMN ai_analysis_sessions.started_at IS
    'When processing began; NULL while queued (a session may fail before it starts).';
COMMENT ON COLUMN ai_analysis_sessions.finished_at IS 'When it succeeded or failed; set exactly then.';
CREATE INDEX ai_analysis_sessions_portfolio_idx ON ai_analysis_sessions (tenant_id, portfolio_id);
CREATE TRIGGER ai_analysis_sessions_touch_updated_at BEFORE UPDATE ON ai_analysis_sessions
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

ALTER TABLE ai_analysis_sessions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_analysis_sessions TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON ai_analysis_sessions AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON ai_analysis_sessions FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON ai_analysis_sessions TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_analysis_sessions TO application_service, tenant_api, db_administrators;
GRANT SELECT ON ai_analysis_sessions TO business_analysts;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE ai_analysis_sessions OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE ai_analysis_sessions;

-- migrate:verify
SELECT 'analysis session ' || session_id || ' reports ' || processing_time_ms || ' ms of processing in '
       || round(extract(epoch FROM finished_at - started_at) * 1000) || ' ms between start and finish' AS problem
FROM ai_analysis_sessions
WHERE processing_time_ms IS NOT NULL
  AND started_at IS NOT NULL
  AND processing_time_ms > extract(epoch FROM finished_at - started_at) * 1000;

SELECT 'analysis session ' || session_id || ' is ' || status || ' but inconsistent (progress, timestamps or results)'
    AS problem
FROM ai_analysis_sessions
WHERE (status = 'queued' AND (started_at IS NOT NULL OR finished_at IS NOT NULL))
   OR (status IN ('running', 'succeeded') AND started_at IS NULL)
   OR ((status IN ('succeeded', 'failed')) <> (finished_at IS NOT NULL))
   OR finished_at < started_at
   OR (status = 'succeeded' AND (progress <> 100 OR results IS NULL))
   OR (status = 'failed' AND error_message IS NULL);
