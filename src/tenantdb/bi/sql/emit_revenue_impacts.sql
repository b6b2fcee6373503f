-- Revenue at risk from deliverability (docs/business-metrics.md, "Events from the refresh"): a revenue_impacts row
-- for every customer of the month %(month)s whose figures (pg_temp.bi_emit_figures) show revenue at risk, and the
-- revenue_impact event of each row seen for the first time (stage detected, with the properties module events gives
-- every impact's events, and the rates). The id is stable (kind, customer, month), detected_at is %(occurred_at)s
-- the first time and kept, so a re-run emits nothing again; a re-run that finds other figures updates the row, never
-- the event. A customer whose problem disappeared keeps its row: history.
-- Urgency: critical beyond a suspension limit (bounces above 10%%, complaints at 0.3%%), high above the 5%% bounce
-- limit, medium for complaints above 0.1%% alone.
WITH risky AS (
    SELECT f.tenant_id,
           tenantdb_events_stable_id('revenue_impact', 'deliverability_risk', f.tenant_id::text,
                                     to_char(%(month)s::date, 'YYYY-MM')) AS impact_id,
           -f.revenue_at_risk AS amount,
           CASE WHEN f.bounce > 0.10 OR f.spam >= 0.003 THEN 'critical'
                WHEN f.bounce > 0.05 THEN 'high'
                ELSE 'medium' END AS urgency,
           greatest(f.recognized_revenue, 0) AS affected_customer_value,
           jsonb_build_object('emails_sent', f.emails_sent, 'bounce_rate', round(f.bounce, 6),
                              'spam_rate', round(f.spam, 6)) AS details
    FROM pg_temp.bi_emit_figures f
    WHERE f.revenue_at_risk > 0
), due AS (  -- new, or with other figures: the rows to write (the others are left alone, not even locked)
    SELECT r.*, i.impact_id IS NULL AS fresh
    FROM risky r
    LEFT JOIN revenue_impacts i ON i.tenant_id = r.tenant_id AND i.impact_id = r.impact_id
    WHERE i.impact_id IS NULL
       OR (i.amount, i.urgency, i.affected_customer_value, i.details)
          IS DISTINCT FROM (r.amount, r.urgency, r.affected_customer_value, r.details)
), written AS (
    INSERT INTO revenue_impacts AS i (tenant_id, impact_id, impact_type, amount, urgency, affected_customer_value,
                                      month, detected_at, source, details)
    SELECT r.tenant_id, r.impact_id, 'deliverability_risk', r.amount, r.urgency, r.affected_customer_value,
           %(month)s::date, %(occurred_at)s, 'bi_refresh', r.details
    FROM due r
    ON CONFLICT (tenant_id, impact_id) DO UPDATE
        SET amount = EXCLUDED.amount, urgency = EXCLUDED.urgency,
            affected_customer_value = EXCLUDED.affected_customer_value, details = EXCLUDED.details
    RETURNING i.*
)
SELECT (SELECT count(*) FROM written),
       tenantdb_events_emit_all(
           array_agg(tenantdb_events_stable_id('revenue_impact', w.impact_id::text, 'detected')),
           array_agg(w.detected_at), array_agg('revenue_impact'::text), array_agg(w.tenant_id),
           array_agg(jsonb_build_object('stage', 'detected') || tenantdb_events_impact_properties(w::revenue_impacts)
                     || w.details))
FROM written w
WHERE w.impact_id IN (SELECT d.impact_id FROM due d WHERE d.fresh)
