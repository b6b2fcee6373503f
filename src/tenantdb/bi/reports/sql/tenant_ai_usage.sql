-- The tenant's AI analysis sessions (module ai_saas, 0004) against its plan's limits: created in the report's month
-- (the counter the limits trigger keeps) and queued or running now, beside the limits of its plans in force
-- (NULL = unlimited; subscribed = false: every creation is refused).
SELECT %(month)s::date AS month,
       coalesce((SELECT u.sessions_created
                 FROM ai_session_usage u
                 WHERE u.tenant_id = %(tenant_id)s AND u.month = %(month)s::date), 0) AS sessions_created,
       l.sessions_per_month,
       (SELECT count(*)
        FROM ai_analysis_sessions s
        WHERE s.tenant_id = %(tenant_id)s AND s.status IN ('queued', 'running')) AS active_sessions,
       l.concurrent_sessions,
       l.subscribed
FROM tenantdb_ai_session_limits(%(tenant_id)s) l
