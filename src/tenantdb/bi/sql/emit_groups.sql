-- Every customer as a PostHog group (type tenant, key its id) with the group properties of the month %(month)s:
-- plan, margin_band and health_status (docs/business-metrics.md, "Events from the refresh"). The id is stable over
-- the customer, the month and the values, so the same values are identified once; other values are a new event
-- (PostHog keeps the latest). An event already there with the same id (in the month's range of occurred_at: one
-- partition) is not emitted again, whatever its time.
WITH grouped AS (
    SELECT f.tenant_id, f.company_name, f.plan_name, f.business_health_status AS health_status,
           CASE WHEN f.margin_not_applicable_reason IS NOT NULL THEN 'not_applicable'
                WHEN f.recognized_revenue <= 0 OR f.margin < 0 THEN 'negative'
                WHEN f.margin < 0.30 THEN '0-30%%'
                WHEN f.margin < 0.50 THEN '30-50%%'
                WHEN f.margin < 0.70 THEN '50-70%%'
                ELSE '70%%+' END AS margin_band
    FROM pg_temp.bi_emit_figures f
), identified AS (
    SELECT g.*,
           tenantdb_events_stable_id('$groupidentify', g.tenant_id::text, to_char(%(month)s::date, 'YYYY-MM'),
                                     coalesce(g.plan_name, ''), g.margin_band, g.health_status) AS event_id
    FROM grouped g
)
SELECT tenantdb_events_emit_all(
           array_agg(i.event_id), array_agg(%(occurred_at)s::timestamptz), array_agg('$groupidentify'::text),
           array_agg(i.tenant_id),
           array_agg(jsonb_build_object('$group_type', 'tenant', '$group_key', i.tenant_id::text,
                                        '$group_set', jsonb_build_object('name', i.company_name, 'plan', i.plan_name,
                                                                         'margin_band', i.margin_band,
                                                                         'health_status', i.health_status),
                                        'month', %(month)s::date, 'source', 'bi_refresh')))
FROM identified i
WHERE NOT EXISTS (
    SELECT FROM business_events e
    WHERE e.tenant_id = i.tenant_id AND e.event_id = i.event_id
      AND e.occurred_at >= %(month)s::date::timestamp AT TIME ZONE 'UTC'
      AND e.occurred_at < (%(month)s::date + interval '1 month')::timestamp AT TIME ZONE 'UTC'
)
