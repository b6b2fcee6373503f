-- Seed data for analytics: 5 to 50 product usage events per company of the batch over the last 60 days (bigger
-- companies more), the daily and monthly aggregates rebuilt by the module's own functions, feature usage and API
-- usage counted from those events, and a few application errors. Run by `tenantdb seed` after core's seed.sql in
-- the same session (pg_temp.seed_batch, the pg_temp.seed_* helpers, the batch's users).
--
-- Events before the current month land in usage_events_default: tenantdb_create_usage_partitions() creates
-- partitions from the current month on, so history has no monthly partition of its own.

CREATE TEMPORARY TABLE seed_events ON COMMIT DROP AS
SELECT e.tenant_id, e.event_id, e.occurred_at, e.kind, u.user_id, e.endpoint,
       (ARRAY['campaign.sent', 'contacts.imported', 'template.saved', 'api.request', 'user.login',
              'automation.triggered'])[e.kind] AS event_type,
       CASE e.kind
           WHEN 1 THEN pg_temp.seed_int('event-quantity/' || e.event_id, 100, 20000)
           WHEN 2 THEN pg_temp.seed_int('event-quantity/' || e.event_id, 10, 5000)
           WHEN 4 THEN pg_temp.seed_int('event-quantity/' || e.event_id, 1, 500)
           WHEN 6 THEN pg_temp.seed_int('event-quantity/' || e.event_id, 1, 300)
           ELSE 1
       END AS quantity,
       CASE e.kind
           WHEN 4 THEN jsonb_build_object('endpoint', e.endpoint, 'via', 'api')
           ELSE jsonb_build_object('via', pg_temp.seed_pick('event-via/' || e.event_id, ARRAY['web', 'web', 'mobile']))
       END AS properties
FROM (
    SELECT b.tenant_id, k.event_id,
           w.window_start + (w.window_end - w.window_start) * pg_temp.seed_unit('event-at/' || k.event_id)
                                                                                        AS occurred_at,
           pg_temp.seed_int('event-kind/' || k.event_id, 1, 6)                          AS kind,
           1 + pg_temp.seed_int('event-user/' || k.event_id, 0, b.size - 1)             AS user_no,
           pg_temp.seed_pick('event-endpoint/' || k.event_id,
                             ARRAY['POST /v1/messages', 'POST /v1/messages', 'GET /v1/messages/{id}',
                                   'POST /v1/contacts', 'GET /v1/stats', 'POST /v1/webhooks']) AS endpoint
    FROM pg_temp.seed_batch b
    CROSS JOIN LATERAL (
        SELECT greatest(b.created_at, pg_temp.seed_now() - interval '60 days') AS window_start,
               coalesce(b.ended_at, pg_temp.seed_now())                         AS window_end
    ) w
    CROSS JOIN generate_series(1, least(50, 5 + floor(25 * pg_temp.seed_unit('event-count/' || b.tenant_id) ^ 1.5
                                                       + 1.2 * b.size)::integer)) AS g (n)
    CROSS JOIN LATERAL (SELECT pg_temp.seed_uuid('event/' || b.tenant_id || '/' || g.n) AS event_id) k
    WHERE w.window_start < w.window_end
) e
JOIN users u
  ON u.tenant_id = e.tenant_id
 AND u.user_id = pg_temp.seed_uuid('user/' || e.tenant_id || '/' || e.user_no);

INSERT INTO usage_events (tenant_id, event_id, occurred_at, event_type, user_id, quantity, properties)
SELECT tenant_id, event_id, occurred_at, event_type, user_id, quantity, properties
FROM pg_temp.seed_events;

-- The module's aggregation functions, over every day and month the events cover (idempotent for other tenants).
SELECT count(tenantdb_aggregate_usage_daily(d.day::date))
FROM generate_series((current_setting('tenantdb.seed_as_of')::date - 61)::timestamp,
                     (current_setting('tenantdb.seed_as_of')::date - 1)::timestamp,
                     interval '1 day') AS d (day);

SELECT count(tenantdb_aggregate_usage_monthly(m.month::date))
FROM generate_series(date_trunc('month', (current_setting('tenantdb.seed_as_of')::date - 61)::timestamp),
                     (current_setting('tenantdb.seed_as_of')::date - 1)::timestamp,
                     interval '1 month') AS m (month);

-- Feature adoption per tenant, feature and day, counted from the same events.
INSERT INTO feature_usage (tenant_id, feature, day, usage_count, unique_users, last_used_at)
SELECT e.tenant_id,
       (ARRAY['campaigns', 'contacts.import', 'templates', 'api', 'login', 'automations'])[e.kind],
       (e.occurred_at AT TIME ZONE 'UTC')::date,
       count(*), count(DISTINCT e.user_id), max(e.occurred_at)
FROM pg_temp.seed_events e
GROUP BY e.tenant_id, e.kind, (e.occurred_at AT TIME ZONE 'UTC')::date;

-- API traffic per endpoint and day: each api.request event is a batch of calls; 0.2 to 3 % fail.
INSERT INTO api_usage (tenant_id, endpoint, day, calls, errors, p95_ms)
SELECT a.tenant_id, a.endpoint, a.day, a.calls,
       floor(a.calls * (0.002 + 0.028 * pg_temp.seed_unit('api-errors/' || a.tenant_id || '/' || a.endpoint
                                                           || '/' || a.day)))::bigint,
       pg_temp.seed_int('api-p95/' || a.tenant_id || '/' || a.endpoint || '/' || a.day, 80, 900)
FROM (
    SELECT e.tenant_id, e.endpoint, (e.occurred_at AT TIME ZONE 'UTC')::date AS day, sum(e.quantity)::bigint AS calls
    FROM pg_temp.seed_events e
    WHERE e.event_type = 'api.request'
    GROUP BY e.tenant_id, e.endpoint, (e.occurred_at AT TIME ZONE 'UTC')::date
) a;

-- 0 to 6 errors per company in its last 30 active days.
INSERT INTO error_logs (tenant_id, error_log_id, occurred_at, level, source, message, fingerprint, request_id, user_id,
                        context)
SELECT x.tenant_id, x.error_log_id, x.occurred_at,
       CASE WHEN x.u_level < 0.5 THEN 'warning' WHEN x.u_level < 0.95 THEN 'error' ELSE 'fatal' END,
       (ARRAY['smtp-relay', 'webhook-dispatcher', 'contact-importer', 'template-renderer', 'api-gateway'])[x.kind],
       (ARRAY['421 4.7.0 Try again later: connection rate limit exceeded',
              'webhook endpoint answered 502 after 3 retries',
              'CSV row has an invalid e-mail address',
              'template variable {{first_name}} is undefined',
              'request body exceeds 10 MB'])[x.kind],
       left(md5('fingerprint/' || x.kind), 16),
       'req_' || left(md5(x.error_log_id::text), 20),
       CASE WHEN x.kind IN (3, 4) THEN u.user_id END,
       jsonb_build_object('attempt', 1 + x.kind % 3)
FROM (
    SELECT b.tenant_id, k.error_log_id,
           pg_temp.seed_int('error-kind/' || k.error_log_id, 1, 5)                      AS kind,
           pg_temp.seed_unit('error-level/' || k.error_log_id)                          AS u_level,
           1 + pg_temp.seed_int('error-user/' || k.error_log_id, 0, b.size - 1)         AS user_no,
           w.window_start + (w.window_end - w.window_start) * pg_temp.seed_unit('error-at/' || k.error_log_id)
                                                                                        AS occurred_at
    FROM pg_temp.seed_batch b
    CROSS JOIN LATERAL (
        SELECT greatest(b.created_at, coalesce(b.ended_at, pg_temp.seed_now()) - interval '30 days') AS window_start,
               coalesce(b.ended_at, pg_temp.seed_now())                                               AS window_end
    ) w
    CROSS JOIN generate_series(1, pg_temp.seed_int('errors/' || b.tenant_id, 0, 6)) AS g (n)
    CROSS JOIN LATERAL (SELECT pg_temp.seed_uuid('error/' || b.tenant_id || '/' || g.n) AS error_log_id) k
) x
JOIN users u
  ON u.tenant_id = x.tenant_id
 AND u.user_id = pg_temp.seed_uuid('user/' || x.tenant_id || '/' || x.user_no);
