-- migrate:up
-- Recording revenue impacts and strategic decisions: one SQL function per transition, so the application, the CLI
-- and the HTTP API call the same thing. Each writes the record and emits its event (business_events, stable id)
-- in the caller's transaction; a bad transition raises a clear error and changes nothing. SECURITY INVOKER: the
-- caller's grants and row-level security decide who may record what (application_service: its own tenant's
-- impacts; db_administrators and the owner: decisions).

CREATE FUNCTION tenantdb_events_refuse(message text, hint text, sqlstate text DEFAULT '22023') RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = message, HINT = hint, ERRCODE = sqlstate;
END;
$$;
COMMENT ON FUNCTION tenantdb_events_refuse(text, text, text) IS
    'Raises the error of a refused recording (SQLSTATE 22023 by default), for the functions of module events.';

CREATE FUNCTION tenantdb_events_impact_properties(i revenue_impacts) RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT jsonb_build_object(
        'impact_id', i.impact_id, 'impact_type', i.impact_type, 'amount', i.amount,
        'direction', CASE WHEN i.amount < 0 THEN 'negative' ELSE 'positive' END, 'urgency', i.urgency,
        'affected_customer_value', i.affected_customer_value, 'source', i.source, 'month', i.month)
$$;
COMMENT ON FUNCTION tenantdb_events_impact_properties(revenue_impacts) IS
    'The properties every revenue_impact event of an impact carries (its stage comes on top).';

CREATE FUNCTION tenantdb_events_record_revenue_impact(
    tenant_id uuid, impact_type text, amount numeric, urgency text, affected_customer_value numeric,
    detected_at timestamptz, source text DEFAULT 'application', details jsonb DEFAULT '{}', impact_id uuid DEFAULT NULL
) RETURNS uuid
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    recorded revenue_impacts;
BEGIN
    IF impact_type IS NULL OR impact_type <> ALL (ARRAY['deliverability_risk', 'churn', 'downgrade', 'upgrade',
                                                         'expansion', 'payment_failure', 'refund', 'other']) THEN
        PERFORM tenantdb_events_refuse(format('bad revenue impact type %s', coalesce(impact_type, 'NULL')),
            'one of deliverability_risk, churn, downgrade, upgrade, expansion, payment_failure, refund, other');
    ELSIF urgency IS NULL OR urgency <> ALL (ARRAY['low', 'medium', 'high', 'critical']) THEN
        PERFORM tenantdb_events_refuse(format('bad revenue impact urgency %s', coalesce(urgency, 'NULL')),
            'one of low, medium, high, critical');
    ELSIF amount IS NULL OR amount = 0 OR NOT (abs(amount) < 'Infinity') THEN
        PERFORM tenantdb_events_refuse(format('bad revenue impact amount %s', coalesce(amount::text, 'NULL')),
            'dollars per month, negative for revenue lost or at risk, positive for revenue gained; never 0');
    ELSIF affected_customer_value IS NULL OR NOT (affected_customer_value >= 0
                                                  AND affected_customer_value < 'Infinity') THEN
        PERFORM tenantdb_events_refuse(
            format('bad revenue impact: affected customer value %s', coalesce(affected_customer_value::text, 'NULL')),
            'the customer''s monthly revenue, 0 or more');
    ELSIF tenant_id IS NULL OR detected_at IS NULL OR source IS NULL
          OR source <> ALL (ARRAY['bi_refresh', 'application']) THEN
        PERFORM tenantdb_events_refuse('bad revenue impact: it needs a tenant, a detection time and a source',
            'source is application or bi_refresh');
    END IF;
    INSERT INTO revenue_impacts AS r (tenant_id, impact_id, impact_type, amount, urgency, affected_customer_value,
                                      month, detected_at, source, details)
    VALUES ($1, coalesce($9, gen_random_uuid()), $2, $3, $4, $5,
            date_trunc('month', $6 AT TIME ZONE 'UTC')::date, $6, $7, coalesce($8, '{}'))
    ON CONFLICT ON CONSTRAINT revenue_impacts_pkey DO NOTHING
    RETURNING r.* INTO recorded;
    IF recorded.impact_id IS NULL THEN
        RETURN $9;  -- recorded before with this id: nothing new (its event was emitted then)
    END IF;
    PERFORM tenantdb_events_emit(tenantdb_events_stable_id('revenue_impact', recorded.impact_id::text, 'detected'),
                                 recorded.detected_at, 'revenue_impact', recorded.tenant_id,
                                 jsonb_build_object('stage', 'detected')
                                     || tenantdb_events_impact_properties(recorded));
    RETURN recorded.impact_id;
END;
$$;
COMMENT ON FUNCTION tenantdb_events_record_revenue_impact(uuid, text, numeric, text, numeric, timestamptz, text, jsonb,
                                                          uuid) IS
    'Records a revenue impact (amount: dollars per month, negative for a loss or a risk) and emits its '
    'revenue_impact event (stage detected, id stable_id(''revenue_impact'', impact_id, ''detected'')); returns the '
    'impact''s id, generated unless given. Recording a given id again changes nothing. Bad values: SQLSTATE 22023.';

CREATE FUNCTION tenantdb_events_resolve_revenue_impact(tenant_id uuid, impact_id uuid,
                                                       resolved_at timestamptz DEFAULT now()) RETURNS uuid
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    impact revenue_impacts;
    hours  numeric;
BEGIN
    SELECT r.* INTO impact FROM revenue_impacts r WHERE r.tenant_id = $1 AND r.impact_id = $2 FOR UPDATE;
    IF impact.impact_id IS NULL THEN
        PERFORM tenantdb_events_refuse(format('no revenue impact %s', $2),
            'record it first (tenantdb_events_record_revenue_impact)', 'P0002');
    ELSIF impact.resolved_at IS NOT NULL THEN
        PERFORM tenantdb_events_refuse(format('revenue impact %s is already resolved (at %s)', $2, impact.resolved_at),
            'an impact is resolved once; record a new impact for a new problem', '55000');
    ELSIF resolved_at IS NULL OR resolved_at < impact.detected_at THEN
        PERFORM tenantdb_events_refuse(
            format('revenue impact %s cannot be resolved at %s, before it was detected (%s)', $2,
                   coalesce(resolved_at::text, 'NULL'), impact.detected_at),
            'give the time the problem was resolved');
    END IF;
    UPDATE revenue_impacts r SET resolved_at = $3 WHERE r.tenant_id = $1 AND r.impact_id = $2
    RETURNING r.* INTO impact;
    hours := round(extract(epoch FROM impact.resolved_at - impact.detected_at) / 3600, 4);
    PERFORM tenantdb_events_emit(tenantdb_events_stable_id('revenue_impact', $2::text, 'resolved'), $3,
                                 'revenue_impact', $1,
                                 jsonb_build_object('stage', 'resolved', 'response_hours', hours,
                                                    'within_response_target', hours <= 2)
                                     || tenantdb_events_impact_properties(impact));
    RETURN tenantdb_events_stable_id('revenue_impact', $2::text, 'resolved');
END;
$$;
COMMENT ON FUNCTION tenantdb_events_resolve_revenue_impact(uuid, uuid, timestamptz) IS
    'Marks a revenue impact resolved and emits its revenue_impact event (stage resolved, with response_hours and '
    'within_response_target: resolved within 2 hours of detection; id stable_id(''revenue_impact'', impact_id, '
    '''resolved'')); returns that event''s id. Unknown impact: P0002; resolved before: 55000; before detection: 22023.';

CREATE FUNCTION tenantdb_events_open_decision(title text, category text, tenant_id uuid DEFAULT NULL,
                                              expected_value numeric DEFAULT NULL, opened_at timestamptz DEFAULT now(),
                                              decision_id uuid DEFAULT NULL) RETURNS uuid
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    opened strategic_decisions;
BEGIN
    IF title IS NULL OR length(title) NOT BETWEEN 1 AND 200 THEN
        PERFORM tenantdb_events_refuse('a strategic decision needs a title of 1 to 200 characters',
            'say what is being decided, e.g. ''Raise the Pro plan to $59''');
    ELSIF category IS NULL OR category <> ALL (ARRAY['pricing', 'infrastructure', 'deliverability', 'retention',
                                                     'expansion', 'other']) THEN
        PERFORM tenantdb_events_refuse(format('bad strategic decision category %s', coalesce(category, 'NULL')),
            'one of pricing, infrastructure, deliverability, retention, expansion, other');
    ELSIF opened_at IS NULL OR NOT (coalesce(abs(expected_value), 0) < 'Infinity') THEN
        PERFORM tenantdb_events_refuse('a strategic decision needs an opening time and a finite expected value',
            'expected_value is dollars, or NULL');
    END IF;
    INSERT INTO strategic_decisions AS d (decision_id, tenant_id, title, category, opened_at, expected_value)
    VALUES (coalesce($6, gen_random_uuid()), $3, $1, $2, $5, $4)
    RETURNING d.* INTO opened;
    PERFORM tenantdb_events_emit(tenantdb_events_stable_id('strategic_decision', opened.decision_id::text, 'opened'),
                                 opened.opened_at, 'strategic_decision', opened.tenant_id,
                                 jsonb_build_object('stage', 'opened', 'decision_id', opened.decision_id,
                                                    'title', opened.title, 'category', opened.category,
                                                    'expected_value', opened.expected_value));
    RETURN opened.decision_id;
END;
$$;
COMMENT ON FUNCTION tenantdb_events_open_decision(text, text, uuid, numeric, timestamptz, uuid) IS
    'Opens a strategic decision (tenant_id: the customer concerned, NULL for a company-wide one) and emits its '
    'strategic_decision event (stage opened); returns its id. For db_administrators (and the owner).';

CREATE FUNCTION tenantdb_events_decide(decision_id uuid, outcome text, decided_at timestamptz DEFAULT now(),
                                       note text DEFAULT NULL) RETURNS numeric
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    decision strategic_decisions;
    hours    numeric;
BEGIN
    SELECT d.* INTO decision FROM strategic_decisions d WHERE d.decision_id = $1 FOR UPDATE;
    IF decision.decision_id IS NULL THEN
        PERFORM tenantdb_events_refuse(format('no strategic decision %s', $1),
            'tenantdb decisions list shows the open ones', 'P0002');
    ELSIF decision.decided_at IS NOT NULL THEN
        PERFORM tenantdb_events_refuse(
            format('strategic decision %s is already decided (%s at %s)', $1, decision.outcome, decision.decided_at),
            'a decision is decided once; open a new one to revisit it', '55000');
    ELSIF outcome IS NULL OR outcome <> ALL (ARRAY['approved', 'rejected', 'deferred']) THEN
        PERFORM tenantdb_events_refuse(format('bad strategic decision outcome %s', coalesce(outcome, 'NULL')),
            'one of approved, rejected, deferred');
    ELSIF decided_at IS NULL OR decided_at < decision.opened_at THEN
        PERFORM tenantdb_events_refuse(
            format('strategic decision %s cannot be decided at %s, before it was opened (%s)', $1,
                   coalesce(decided_at::text, 'NULL'), decision.opened_at),
            'give the time it was decided');
    END IF;
    UPDATE strategic_decisions d SET decided_at = $3, outcome = $2, note = $4
    WHERE d.decision_id = $1
    RETURNING d.* INTO decision;
    hours := round(extract(epoch FROM decision.decided_at - decision.opened_at) / 3600, 4);
    PERFORM tenantdb_events_emit(tenantdb_events_stable_id('strategic_decision', $1::text, 'decided'), $3,
                                 'strategic_decision', decision.tenant_id,
                                 jsonb_build_object('stage', 'decided', 'decision_id', decision.decision_id,
                                                    'title', decision.title, 'category', decision.category,
                                                    'expected_value', decision.expected_value,
                                                    'outcome', decision.outcome, 'decision_hours', hours));
    RETURN hours;
END;
$$;
COMMENT ON FUNCTION tenantdb_events_decide(uuid, text, timestamptz, text) IS
    'Decides an open strategic decision (approved, rejected or deferred) and emits its strategic_decision event '
    '(stage decided, with decision_hours); returns the hours it took. Unknown: P0002; decided before: 55000; '
    'before it was opened or a bad outcome: 22023. For db_administrators (and the owner).';

-- Who may call what: the functions run with the caller's rights, and the grants say so too.
REVOKE EXECUTE ON FUNCTION tenantdb_events_refuse(text, text, text), tenantdb_events_impact_properties(revenue_impacts),
    tenantdb_events_record_revenue_impact(uuid, text, numeric, text, numeric, timestamptz, text, jsonb, uuid),
    tenantdb_events_resolve_revenue_impact(uuid, uuid, timestamptz),
    tenantdb_events_open_decision(text, text, uuid, numeric, timestamptz, uuid),
    tenantdb_events_decide(uuid, text, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantdb_events_refuse(text, text, text), tenantdb_events_impact_properties(revenue_impacts),
    tenantdb_events_record_revenue_impact(uuid, text, numeric, text, numeric, timestamptz, text, jsonb, uuid),
    tenantdb_events_resolve_revenue_impact(uuid, uuid, timestamptz)
    TO application_service, db_administrators, tenantdb_refresh;
GRANT EXECUTE ON FUNCTION tenantdb_events_refuse(text, text, text),
    tenantdb_events_open_decision(text, text, uuid, numeric, timestamptz, uuid),
    tenantdb_events_decide(uuid, text, timestamptz, text) TO db_administrators;

ALTER FUNCTION tenantdb_events_refuse(text, text, text) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_events_impact_properties(revenue_impacts) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_events_record_revenue_impact(uuid, text, numeric, text, numeric, timestamptz, text, jsonb, uuid)
    OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_events_resolve_revenue_impact(uuid, uuid, timestamptz) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_events_open_decision(text, text, uuid, numeric, timestamptz, uuid) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_events_decide(uuid, text, timestamptz, text) OWNER TO tenantdb_owner;

-- migrate:down
DROP FUNCTION tenantdb_events_decide(uuid, text, timestamptz, text);
DROP FUNCTION tenantdb_events_open_decision(text, text, uuid, numeric, timestamptz, uuid);
DROP FUNCTION tenantdb_events_resolve_revenue_impact(uuid, uuid, timestamptz);
DROP FUNCTION tenantdb_events_record_revenue_impact(uuid, text, numeric, text, numeric, timestamptz, text, jsonb, uuid);
DROP FUNCTION tenantdb_events_impact_properties(revenue_impacts);
DROP FUNCTION tenantdb_events_refuse(text, text, text);
