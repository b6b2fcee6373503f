-- Every customer as a PostHog group (type tenant, key its id) with the group properties of the month %(month)s:
-- plan, margin_band and health_status (docs/business-metrics.md, "Events from the refresh"), when they differ from the
-- customer's latest identification of the month: a re-run with the same values emits nothing, other values are a
-- new event (PostHog keeps the latest), and values that come back (A, B, A) are identified again. The id is stable
-- over the customer, the month, the values and the previous identification's id (empty for the first).
WITH grouped AS (
    SELECT f.tenant_id, f.company_name, f.plan_name, f.business_health_status AS health_status,
           CASE WHEN f.margin_not_applicable_reason IS NOT NULL THEN 'not_applicable'
                WHEN f.recognized_revenue <= 0 OR f.margin < 0 THEN 'negative'
                WHEN f.margin < 0.30 THEN '0-30%%'
                WHEN f.margin < 0.50 THEN '30-50%%'
                WHEN f.margin < 0.70 THEN '50-70%%'
                ELSE '70%%+' END AS margin_band
    FROM pg_temp.bi_emit_figures f
), due AS (  -- values other than the month's latest identification of the customer (through the tenant's key)
    SELECT g.*, l.event_id AS previous_id
    FROM grouped g
    LEFT JOIN LATERAL (
        SELECT e.event_id, e.properties -> '$group_set' AS group_set
        FROM business_events e
        WHERE e.tenant_id = g.tenant_id
          AND e.occurred_at >= %(month)s::date::timestamp AT TIME ZONE 'UTC'
          AND e.occurred_at < (%(month)s::date + interval '1 month')::timestamp AT TIME ZONE 'UTC'
          AND e.event = '$groupidentify'
        ORDER BY e.occurred_at DESC, e.recorded_at DESC
        LIMIT 1
    ) l ON true
    WHERE l.event_id IS NULL
       OR l.group_set ->> 'plan' IS DISTINCT FROM g.plan_name
       OR l.group_set ->> 'margin_band' IS DISTINCT FROM g.margin_band
       OR l.group_set ->> 'health_status' IS DISTINCT FROM g.health_status
)
SELECT tenantdb_events_emit_all(
           array_agg(tenantdb_events_stable_id('$groupidentify', d.tenant_id::text, to_char(%(month)s::date, 'YYYY-MM'),
                                               coalesce(d.plan_name, ''), d.margin_band, d.health_status,
                                               coalesce(d.previous_id::text, ''))),
           array_agg(%(occurred_at)s::timestamptz), array_agg('$groupidentify'::text), array_agg(d.tenant_id),
           array_agg(jsonb_build_object('$group_type', 'tenant', '$group_key', d.tenant_id::text,
                                        '$group_set', jsonb_build_object('name', d.company_name, 'plan', d.plan_name,
                                                                         'margin_band', d.margin_band,
                                                                         'health_status', d.health_status),
                                        'month', %(month)s::date, 'source', 'bi_refresh')))
FROM due d
