-- migrate:up
CREATE TABLE ai_analysis_sessions (
    session_id         uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id            uuid         NOT NULL REFERENCES users ON DELETE CASCADE,
    status             text         NOT NULL DEFAULT 'queued'
                                    CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    progress           smallint     NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    results            jsonb,
    confidence         numeric(4,3) CHECK (confidence BETWEEN 0 AND 1),
    processing_time_ms integer      CHECK (processing_time_ms >= 0),
    created_at         timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX ai_analysis_sessions_user_idx ON ai_analysis_sessions (user_id, created_at);

-- migrate:down
DROP TABLE ai_analysis_sessions;

-- migrate:verify
SELECT session_id || ' succeeded without results' FROM ai_analysis_sessions
WHERE status = 'succeeded' AND results IS NULL;
