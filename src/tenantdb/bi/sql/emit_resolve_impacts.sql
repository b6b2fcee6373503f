-- A fix_deliverability action done resolves the customer's open deliverability revenue impacts of its month
-- (%(tenant_id)s, %(month)s) at %(at)s (never before the detection), each through module events'
-- tenantdb_events_resolve_revenue_impact: its revenue_impact event (stage resolved, stable id of the impact and the
-- stage) says how many hours it took and whether that was within the 2-hour response target.
SELECT count(tenantdb_events_resolve_revenue_impact(i.tenant_id, i.impact_id, greatest(%(at)s, i.detected_at)))
FROM revenue_impacts i
WHERE i.tenant_id = %(tenant_id)s AND i.month = %(month)s AND i.impact_type = 'deliverability_risk'
  AND i.resolved_at IS NULL
