-- Seed data for ai_saas: a quarter of the batch's companies use the AI analysis product: 1 to 3 portfolios of 3
-- to 12 businesses each, 1 to 5 analysis sessions per portfolio (most succeeded, some failed, a few still queued
-- or running) and the reports rendered from the sessions that succeeded. Run by `tenantdb seed` after core's
-- seed.sql in the same session (pg_temp.seed_batch and the pg_temp.seed_* helpers).

CREATE TEMPORARY TABLE seed_portfolios ON COMMIT DROP AS
SELECT b.tenant_id, k.portfolio_id, a.active_until,
       (ARRAY['Acquisition targets', 'Competitors', 'Key accounts', 'Partners', 'Suppliers', 'Prospects EU'])
           [1 + (pg_temp.seed_int('portfolio-names/' || b.tenant_id, 0, 5) + g.n) % 6] AS name,
       b.created_at + (a.active_until - b.created_at) * 0.3 * pg_temp.seed_unit('portfolio-at/' || k.portfolio_id)
           AS created_at
FROM pg_temp.seed_batch b
CROSS JOIN LATERAL (SELECT coalesce(b.ended_at, pg_temp.seed_now()) AS active_until) a
CROSS JOIN generate_series(1, pg_temp.seed_int('portfolios/' || b.tenant_id, 1, 3)) AS g (n)
CROSS JOIN LATERAL (SELECT pg_temp.seed_uuid('portfolio/' || b.tenant_id || '/' || g.n) AS portfolio_id) k
WHERE pg_temp.seed_unit('ai-customer/' || b.tenant_id) < 0.25;

INSERT INTO portfolios (tenant_id, portfolio_id, name, description, metadata, created_at, updated_at)
SELECT p.tenant_id, p.portfolio_id, p.name,
       'Businesses we track as ' || lower(p.name) || '.',
       jsonb_build_object('currency', 'USD', 'refresh', pg_temp.seed_pick('portfolio-refresh/' || p.portfolio_id,
                                                                           ARRAY['weekly', 'monthly', 'manual'])),
       p.created_at, p.created_at
FROM pg_temp.seed_portfolios p;

-- Business names are distinct within a portfolio (the first word never repeats for 12 businesses).
INSERT INTO portfolio_businesses (tenant_id, business_id, portfolio_id, business_name, website, industry, country,
                                  employees, annual_revenue, currency, attributes, added_at, updated_at)
SELECT x.tenant_id, x.business_id, x.portfolio_id, x.business_name,
       'https://' || lower(replace(x.business_name, ' ', '')) || '.example.com',
       x.industry, x.country, x.employees,
       round((x.employees * (80000 + 170000 * pg_temp.seed_unit('revenue/' || x.business_id)))::numeric, 2),
       CASE WHEN x.country IN ('DE', 'FR', 'NL', 'ES', 'IT') THEN 'EUR' WHEN x.country = 'GB' THEN 'GBP' ELSE 'USD' END,
       jsonb_build_object('founded', pg_temp.seed_int('founded/' || x.business_id, 1975, 2022),
                          'public', pg_temp.seed_unit('public/' || x.business_id) < 0.1),
       x.added_at, x.added_at
FROM (
    SELECT p.tenant_id, p.portfolio_id, k.business_id,
           (ARRAY['Alder', 'Beacon', 'Cobalt', 'Driftwood', 'Elm', 'Foundry', 'Glacier', 'Helix', 'Indigo',
                  'Jasper', 'Keystone', 'Lantern', 'Mosaic', 'Nimbus', 'Onyx', 'Pioneer', 'Quarry', 'Redwood',
                  'Sterling', 'Topaz'])[1 + (pg_temp.seed_int('business-first/' || p.portfolio_id, 0, 19) + g.n) % 20]
           || ' '
           || pg_temp.seed_pick('business-second/' || k.business_id,
                                ARRAY['Industries', 'Holdings', 'Systems', 'Foods', 'Logistics', 'Health', 'Energy',
                                      'Retail', 'Robotics', 'Capital'])                           AS business_name,
           pg_temp.seed_pick('industry/' || k.business_id,
                             ARRAY['manufacturing', 'software', 'retail', 'healthcare', 'logistics', 'energy',
                                   'financial services'])                                         AS industry,
           pg_temp.seed_pick('country/' || k.business_id,
                             ARRAY['US', 'US', 'US', 'DE', 'GB', 'FR', 'NL', 'CA', 'AU', 'SE', 'ES', 'IT']) AS country,
           5 + floor(4995 * pg_temp.seed_unit('employees/' || k.business_id) ^ 3)::integer        AS employees,
           p.created_at + (p.active_until - p.created_at) * 0.2 * pg_temp.seed_unit('business-at/' || k.business_id)
                                                                                                  AS added_at
    FROM pg_temp.seed_portfolios p
    CROSS JOIN generate_series(1, pg_temp.seed_int('businesses/' || p.portfolio_id, 3, 12)) AS g (n)
    CROSS JOIN LATERAL (SELECT pg_temp.seed_uuid('business/' || p.portfolio_id || '/' || g.n) AS business_id) k
) x;

-- Sessions: 75 % succeeded (progress 100, results, confidence, compute time within the run time), 8 % failed
-- (some before they started), the rest running or queued; the last two only in the last two days.
CREATE TEMPORARY TABLE seed_sessions ON COMMIT DROP AS
SELECT p.tenant_id, p.portfolio_id, k.session_id, k.analysis_type, k.model, v.status, k.u_started, k.u_duration,
       c.created_at, r.started_at,
       CASE WHEN v.status IN ('succeeded', 'failed')
            THEN coalesce(r.started_at, c.created_at) + interval '1 second' * (20 + 880 * k.u_duration)
       END AS finished_at
FROM pg_temp.seed_portfolios p
CROSS JOIN generate_series(1, pg_temp.seed_int('sessions/' || p.portfolio_id, 1, 5)) AS g (n)
CROSS JOIN LATERAL (
    SELECT pg_temp.seed_uuid('session/' || p.portfolio_id || '/' || g.n)              AS session_id,
           pg_temp.seed_pick('analysis-type/' || p.portfolio_id || '/' || g.n,
                             ARRAY['valuation', 'risk', 'market_sizing', 'competitor_scan', 'churn_risk'])
                                                                                     AS analysis_type,
           pg_temp.seed_pick('model/' || p.portfolio_id || '/' || g.n,
                             ARRAY['gpt-4o-2024-08-06', 'claude-3-5-sonnet-20241022', 'llama-3.1-70b-instruct'])
                                                                                     AS model,
           pg_temp.seed_unit('session-status/' || p.portfolio_id || '/' || g.n)     AS u_status,
           pg_temp.seed_unit('session-at/' || p.portfolio_id || '/' || g.n)         AS u_at,
           pg_temp.seed_unit('session-started/' || p.portfolio_id || '/' || g.n)    AS u_started,
           pg_temp.seed_unit('session-duration/' || p.portfolio_id || '/' || g.n)   AS u_duration
) k
CROSS JOIN LATERAL (
    SELECT CASE
               WHEN p.active_until < pg_temp.seed_now() AND k.u_status < 0.92 THEN 'succeeded'
               WHEN p.active_until < pg_temp.seed_now() THEN 'failed'
               WHEN k.u_status < 0.75 THEN 'succeeded'
               WHEN k.u_status < 0.83 THEN 'failed'
               WHEN k.u_status < 0.90 THEN 'running'
               ELSE 'queued'
           END AS status
) v
CROSS JOIN LATERAL (
    SELECT CASE
               WHEN v.status IN ('queued', 'running')
                   THEN greatest(p.created_at, p.active_until - interval '1 hour' - interval '2 days' * k.u_at)
               ELSE p.created_at + (p.active_until - p.created_at - interval '1 hour') * k.u_at
           END AS created_at
) c
CROSS JOIN LATERAL (
    SELECT CASE
               WHEN v.status IN ('running', 'succeeded') OR (v.status = 'failed' AND k.u_started < 0.8)
                   THEN c.created_at + interval '1 second' * (2 + 60 * k.u_started)
           END AS started_at
) r;

-- The sessions are history, created over the companies' lifetimes, by companies whose subscriptions may have
-- ended since: the limits trigger (0004), which judges a creation now, is off while they are written, and the
-- months' usage is recorded from their creation times below. (ALTER TABLE ... DISABLE TRIGGER holds a lock that
-- keeps writers of ai_analysis_sessions waiting until this seed commits: seeds are for demo and test databases.)
ALTER TABLE ai_analysis_sessions DISABLE TRIGGER ai_analysis_sessions_limits;

INSERT INTO ai_analysis_sessions (tenant_id, session_id, portfolio_id, analysis_type, model, status, progress,
                                  parameters, results, confidence, error_message, processing_time_ms, started_at,
                                  finished_at, created_at, updated_at)
SELECT s.tenant_id, s.session_id, s.portfolio_id, s.analysis_type, s.model, s.status,
       CASE s.status
           WHEN 'succeeded' THEN 100
           WHEN 'running'   THEN 5 + floor(90 * s.u_duration)::integer
           WHEN 'failed'    THEN CASE WHEN s.started_at IS NULL THEN 0 ELSE floor(95 * s.u_duration)::integer END
           ELSE 0
       END,
       jsonb_build_object('horizon_years', 1 + floor(5 * s.u_started)::integer, 'language', 'en'),
       CASE WHEN s.status = 'succeeded'
            THEN jsonb_build_object('summary', initcap(replace(s.analysis_type, '_', ' ')) || ' completed',
                                    'score', round((40 + 60 * s.u_duration)::numeric, 1),
                                    'highlights', jsonb_build_array('growth', 'margins', 'concentration'))
       END,
       CASE WHEN s.status = 'succeeded' THEN round((0.55 + 0.43 * s.u_started)::numeric, 3) END,
       CASE WHEN s.status = 'failed'
            THEN pg_temp.seed_pick('session-error/' || s.session_id,
                                   ARRAY['model timed out after 600 s', 'rate limited by the model provider',
                                         'portfolio has no businesses with revenue data'])
       END,
       CASE WHEN s.finished_at IS NOT NULL AND s.started_at IS NOT NULL
            THEN floor(extract(epoch FROM s.finished_at - s.started_at) * 1000 * (0.6 + 0.35 * s.u_duration))::bigint
       END,
       s.started_at, s.finished_at, s.created_at, coalesce(s.finished_at, s.started_at, s.created_at)
FROM pg_temp.seed_sessions s;

ALTER TABLE ai_analysis_sessions ENABLE TRIGGER ai_analysis_sessions_limits;

INSERT INTO ai_session_usage AS u (tenant_id, month, sessions_created, updated_at)
SELECT s.tenant_id, date_trunc('month', s.created_at AT TIME ZONE 'UTC')::date, count(*), max(s.created_at)
FROM pg_temp.seed_sessions s
GROUP BY 1, 2
ON CONFLICT (tenant_id, month) DO UPDATE
    SET sessions_created = u.sessions_created + EXCLUDED.sessions_created,
        updated_at = greatest(u.updated_at, EXCLUDED.updated_at);

-- 0 to 2 reports per succeeded session: most ready (stored as a file, some with their content), a few failed
-- or still generating.
INSERT INTO generated_reports (tenant_id, report_id, session_id, title, report_type, format, status, content,
                               storage_url, size_bytes, generated_at, created_at, updated_at)
SELECT r.tenant_id, r.report_id, r.session_id,
       initcap(replace(r.report_type, '_', ' ')) || ': ' || initcap(replace(r.analysis_type, '_', ' ')),
       r.report_type, r.format, r.status,
       CASE WHEN r.status = 'ready' AND r.format IN ('json', 'markdown')
            THEN jsonb_build_object('sections', 3 + r.n, 'analysis_type', r.analysis_type) END,
       CASE WHEN r.status = 'ready'
            THEN 's3://reports.example.com/' || r.tenant_id || '/' || r.report_id || '.' || r.format END,
       CASE WHEN r.status = 'ready' THEN pg_temp.seed_int('report-size/' || r.report_id, 20000, 4000000) END,
       CASE WHEN r.status = 'ready' THEN r.created_at + interval '1 second' * (5 + 55 * r.u) END,
       r.created_at,
       r.created_at + interval '1 second' * (5 + 55 * r.u)
FROM (
    SELECT s.tenant_id, s.session_id, s.analysis_type, g.n, k.report_id,
           (ARRAY['executive_summary', 'detailed_analysis', 'risk_matrix'])[g.n + (s.u_duration * 2)::integer % 2]
                                                                                    AS report_type,
           pg_temp.seed_pick('report-format/' || k.report_id, ARRAY['pdf', 'pdf', 'html', 'markdown', 'json', 'csv'])
                                                                                    AS format,
           CASE
               WHEN pg_temp.seed_unit('report-status/' || k.report_id) < 0.90 THEN 'ready'
               WHEN pg_temp.seed_unit('report-status/' || k.report_id) < 0.95 THEN 'failed'
               ELSE 'generating'
           END                                                                      AS status,
           pg_temp.seed_unit('report-time/' || k.report_id)                         AS u,
           s.finished_at + interval '5 seconds'                                     AS created_at
    FROM pg_temp.seed_sessions s
    CROSS JOIN generate_series(1, pg_temp.seed_int('reports/' || s.session_id, 0, 2)) AS g (n)
    CROSS JOIN LATERAL (SELECT pg_temp.seed_uuid('report/' || s.session_id || '/' || g.n) AS report_id) k
    WHERE s.status = 'succeeded'
) r;
