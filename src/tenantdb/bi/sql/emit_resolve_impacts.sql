-- A fix_deliverability action done resolves the customer's open deliverability revenue impacts of its month
-- (%(tenant_id)s, %(month)s): resolved_at = %(at)s (never before the detection), and each one's revenue_impact event
-- (stage resolved, stable id of the impact and the stage), with the hours it took and whether that was within the
-- response target of 2 hours (docs/business-metrics.md, revenue protection).
WITH resolved AS (
    UPDATE revenue_impacts i
    SET resolved_at = greatest(%(at)s, i.detected_at)
    WHERE i.tenant_id = %(tenant_id)s AND i.month = %(month)s AND i.impact_type = 'deliverability_risk'
      AND i.resolved_at IS NULL
    RETURNING i.*
)
SELECT count(*) FILTER (WHERE tenantdb_events_emit(
           tenantdb_events_stable_id('revenue_impact', r.impact_id::text, 'resolved'), r.resolved_at,
           'revenue_impact', r.tenant_id,
           jsonb_build_object('stage', 'resolved', 'impact_id', r.impact_id, 'impact_type', r.impact_type,
                              'amount', r.amount, 'urgency', r.urgency,
                              'affected_customer_value', r.affected_customer_value,
                              'month', to_char(r.month, 'YYYY-MM'), 'source', r.source,
                              'optimization_id', %(optimization_id)s::uuid,
                              'hours_to_resolve', round(extract(epoch FROM r.resolved_at - r.detected_at) / 3600, 2),
                              'within_target', r.resolved_at - r.detected_at <= interval '2 hours')))
FROM resolved r
