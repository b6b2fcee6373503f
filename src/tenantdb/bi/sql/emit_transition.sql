-- A cost optimization moves to %(status)s (accepted, done or dismissed) at %(at)s, and its cost_optimization event
-- is emitted in the same transaction: stage %(status)s, stable id of the optimization and the stage. done_by is the
-- database user who logged in (session_user, whatever role it acts as). Only from the statuses in %(from)s: a row
-- changed meanwhile is left alone (no row, no event).
WITH changed AS (
    UPDATE cost_optimizations o
    SET status = %(status)s,
        accepted_at = CASE WHEN %(status)s = 'accepted' THEN %(at)s ELSE o.accepted_at END,
        done_at = CASE WHEN %(status)s = 'done' THEN %(at)s ELSE o.done_at END,
        done_by = CASE WHEN %(status)s = 'done' THEN session_user::text ELSE o.done_by END,
        note = coalesce(%(note)s, o.note)
    WHERE o.optimization_id = %(optimization_id)s AND o.status = ANY (%(from)s::text[])
    RETURNING o.*
)
SELECT tenantdb_events_emit(
           tenantdb_events_stable_id('cost_optimization', c.optimization_id::text, c.status), %(at)s,
           'cost_optimization', c.tenant_id,
           jsonb_build_object('stage', c.status, 'optimization_id', c.optimization_id, 'kind', c.kind,
                              'subject', c.subject, 'pool_id', c.pool_id, 'expected_savings', c.expected_savings,
                              'month', c.month, 'by', session_user::text,
                              'hours_since_recommended',
                              round(extract(epoch FROM %(at)s - c.recommended_at) / 3600, 2)))
FROM changed c
