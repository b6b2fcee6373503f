-- migrate:up
CREATE TABLE portfolios (
    portfolio_id uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL REFERENCES users ON DELETE CASCADE,
    name         text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, name)
);
CREATE TABLE generated_reports (
    report_id    uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    portfolio_id uuid        NOT NULL REFERENCES portfolios ON DELETE CASCADE,
    session_id   uuid        REFERENCES ai_analysis_sessions ON DELETE SET NULL,
    title        text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX generated_reports_portfolio_idx ON generated_reports (portfolio_id);
CREATE INDEX generated_reports_session_idx ON generated_reports (session_id);

-- migrate:down
DROP TABLE generated_reports;
DROP TABLE portfolios;

-- migrate:verify
SELECT 'generated_reports is missing' WHERE to_regclass('generated_reports') IS NULL;
