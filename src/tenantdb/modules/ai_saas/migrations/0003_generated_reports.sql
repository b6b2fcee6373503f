-- migrate:up
CREATE TABLE generated_reports (
    tenant_id    uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    report_id    uuid        NOT NULL DEFAULT gen_random_uuid(),
    session_id   uuid        NOT NULL,
    title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    report_type  text        NOT NULL CHECK (report_type ~ '^[a-z][a-z0-9_]{0,62}$'),
    format       text        NOT NULL DEFAULT 'pdf' CHECK (format IN ('pdf', 'html', 'markdown', 'json', 'csv')),
    status       text        NOT NULL DEFAULT 'generating' CHECK (status IN ('generating', 'ready', 'failed')),
    content      jsonb,
    storage_url  text,
    size_bytes   bigint      CHECK (size_bytes >= 0),
    generated_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, report_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES ai_analysis_sessions (tenant_id, session_id) ON DELETE CASCADE,
    CONSTRAINT generated_reports_ready_has_output
        CHECK (status <> 'ready' OR (generated_at IS NOT NULL AND (content IS NOT NULL OR storage_url IS NOT NULL)))
);
COMMENT ON TABLE generated_reports IS
    'A report rendered from an analysis session (only from one that succeeded: verify block).';
COMMENT ON COLUMN generated_reports.report_type IS 'Which report, a lower-case key such as executive_summary.';
COMMENT ON COLUMN generated_reports.content IS 'The report''s structured content, when kept in the database.';
COMMENT ON COLUMN generated_reports.storage_url IS
    'Where the rendered file is stored (object storage); a ready report has content, a file, or both.';
COMMENT ON COLUMN generated_reports.generated_at IS 'When the report became ready; required once ready.';
CREATE INDEX generated_reports_session_idx ON generated_reports (tenant_id, session_id);
CREATE TRIGGER generated_reports_touch_updated_at BEFORE UPDATE ON generated_reports
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

ALTER TABLE generated_reports ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON generated_reports TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON generated_reports AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON generated_reports FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON generated_reports TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON generated_reports TO application_service, tenant_api, db_administrators;
GRANT SELECT ON generated_reports TO business_analysts;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE generated_reports OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE generated_reports;

-- migrate:verify
SELECT 'report ' || r.report_id || ' is ready but its analysis session ' || s.session_id || ' is ' || s.status
    AS problem
FROM generated_reports r
JOIN ai_analysis_sessions s ON s.tenant_id = r.tenant_id AND s.session_id = r.session_id
WHERE r.status = 'ready'
  AND s.status <> 'succeeded';
