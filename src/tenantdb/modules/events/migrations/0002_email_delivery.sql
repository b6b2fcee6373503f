-- migrate:up
-- E-mail delivery outcomes, aggregated per tenant and UTC day on ingest (no row per e-mail). An ingest call is a
-- batch with an id: its outcomes are counted into email_delivery_daily once, however often the batch is replayed
-- and however many batches arrive at once (tenantdb_events_record_outcomes).
CREATE TABLE email_delivery_batches (
    tenant_id   uuid          NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    day         date          NOT NULL,
    batch_id    uuid          NOT NULL,
    sent        bigint        NOT NULL CHECK (sent >= 0),
    delivered   bigint        NOT NULL CHECK (delivered >= 0),
    bounced     bigint        NOT NULL CHECK (bounced >= 0),
    spam        bigint        NOT NULL CHECK (spam >= 0),
    blocked     bigint        NOT NULL CHECK (blocked >= 0),
    cost_impact numeric(14,6) NOT NULL CHECK (cost_impact >= 0),
    received_at timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, day, batch_id)
) PARTITION BY RANGE (day);
COMMENT ON TABLE email_delivery_batches IS
    'What each ingested batch counted for a tenant and day: the replay guard of email_delivery_daily (a batch id '
    'seen before adds nothing) and its audit (the daily row is the sum of its batches). Partitioned by UTC month.';
COMMENT ON COLUMN email_delivery_batches.cost_impact IS
    'What the batch''s bounced, blocked and spam-complained e-mails cost to send (the cost the caller gave each '
    'outcome): money spent on mail that did not land well.';
CREATE TABLE email_delivery_batches_default PARTITION OF email_delivery_batches DEFAULT;
ALTER TABLE email_delivery_batches_default ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

CREATE TABLE email_delivery_daily (
    tenant_id   uuid          NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    day         date          NOT NULL,
    batches     integer       NOT NULL CHECK (batches >= 0),
    sent        bigint        NOT NULL CHECK (sent >= 0),
    delivered   bigint        NOT NULL CHECK (delivered >= 0),
    bounced     bigint        NOT NULL CHECK (bounced >= 0),
    spam        bigint        NOT NULL CHECK (spam >= 0),
    blocked     bigint        NOT NULL CHECK (blocked >= 0),
    cost_impact numeric(14,6) NOT NULL CHECK (cost_impact >= 0),
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, day)
) PARTITION BY RANGE (day);
COMMENT ON TABLE email_delivery_daily IS
    'The email_delivery_outcome events of a tenant and UTC day, counted on ingest: always the sum of the day''s '
    'email_delivery_batches. Partitioned by UTC month.';
CREATE TABLE email_delivery_daily_default PARTITION OF email_delivery_daily DEFAULT;
ALTER TABLE email_delivery_daily_default ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

ALTER TABLE email_delivery_batches ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE email_delivery_daily ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON email_delivery_batches TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON email_delivery_batches AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON email_delivery_batches FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON email_delivery_batches TO db_administrators USING (true) WITH CHECK (true);
CREATE POLICY tenant_isolation ON email_delivery_daily TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON email_delivery_daily AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON email_delivery_daily FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON email_delivery_daily TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON email_delivery_batches TO application_service;
GRANT SELECT, INSERT, UPDATE ON email_delivery_daily TO application_service;
GRANT SELECT ON email_delivery_batches, email_delivery_daily TO tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON email_delivery_batches, email_delivery_daily TO db_administrators;

CREATE FUNCTION tenantdb_events_bad_outcome(tenant_id uuid, day date, outcome text, cost numeric) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'bad e-mail delivery outcome: tenant %, day %, outcome %, cost %', tenant_id, day, outcome, cost
        USING ERRCODE = '22023',
              HINT = 'every outcome needs a tenant, a time, one of sent, delivered, bounced, spam or blocked, '
                     'and a cost of 0 or more';
END;
$$;

-- One statement: the batch's outcomes grouped per tenant and day, the (tenant, day, batch) rows not seen before
-- inserted (a replay, or a concurrent copy of the batch, inserts nothing: ON CONFLICT waits for the other
-- transaction and then skips), only those added to the daily rows (an atomic upsert, in key order so two batches
-- never deadlock), and one email_delivery_outcome event per new (tenant, day) of the batch.
CREATE FUNCTION tenantdb_events_record_outcomes(batch_id uuid, tenant_ids uuid[], occurred_at timestamptz[],
                                                outcomes text[], costs numeric[]) RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH incoming AS (
        SELECT u.tenant_id, (u.occurred_at AT TIME ZONE 'UTC')::date AS day, u.outcome,
               coalesce(u.cost, 0) AS cost
        FROM unnest($2, $3, $4, $5) AS u (tenant_id, occurred_at, outcome, cost)
    ), checked AS (
        SELECT i.*,
               CASE WHEN i.tenant_id IS NULL OR i.day IS NULL
                         OR i.outcome IS NULL OR i.outcome <> ALL (ARRAY['sent', 'delivered', 'bounced', 'spam', 'blocked'])
                         OR NOT (i.cost >= 0 AND i.cost < 'Infinity')  -- NaN sorts above every number
                    THEN tenantdb_events_bad_outcome(i.tenant_id, i.day, i.outcome, i.cost) END AS bad
        FROM incoming i
    ), grouped AS (
        SELECT c.tenant_id, c.day,
               count(*) FILTER (WHERE c.outcome = 'sent')      AS sent,
               count(*) FILTER (WHERE c.outcome = 'delivered') AS delivered,
               count(*) FILTER (WHERE c.outcome = 'bounced')   AS bounced,
               count(*) FILTER (WHERE c.outcome = 'spam')      AS spam,
               count(*) FILTER (WHERE c.outcome = 'blocked')   AS blocked,
               coalesce(sum(c.cost) FILTER (WHERE c.outcome IN ('bounced', 'blocked', 'spam')), 0) AS cost_impact
        FROM checked c
        WHERE c.bad IS NULL
        GROUP BY c.tenant_id, c.day
    ), added AS (
        INSERT INTO email_delivery_batches (tenant_id, day, batch_id, sent, delivered, bounced, spam, blocked,
                                            cost_impact)
        SELECT g.tenant_id, g.day, $1, g.sent, g.delivered, g.bounced, g.spam, g.blocked, g.cost_impact
        FROM grouped g
        ORDER BY g.tenant_id, g.day
        ON CONFLICT (tenant_id, day, batch_id) DO NOTHING
        RETURNING *
    ), counted AS (
        INSERT INTO email_delivery_daily AS d (tenant_id, day, batches, sent, delivered, bounced, spam, blocked,
                                               cost_impact)
        SELECT a.tenant_id, a.day, 1, a.sent, a.delivered, a.bounced, a.spam, a.blocked, a.cost_impact
        FROM added a
        ORDER BY a.tenant_id, a.day
        ON CONFLICT (tenant_id, day) DO UPDATE
        SET batches     = d.batches + 1,
            sent        = d.sent + excluded.sent,
            delivered   = d.delivered + excluded.delivered,
            bounced     = d.bounced + excluded.bounced,
            spam        = d.spam + excluded.spam,
            blocked     = d.blocked + excluded.blocked,
            cost_impact = d.cost_impact + excluded.cost_impact,
            updated_at  = now()
        RETURNING 1
    ), emitted AS (
        INSERT INTO business_events (event_id, occurred_at, event, tenant_id, properties)
        SELECT tenantdb_events_stable_id('email_delivery_outcome', a.tenant_id::text, a.day::text, $1::text),
               a.day::timestamp AT TIME ZONE 'UTC', 'email_delivery_outcome', a.tenant_id,
               jsonb_build_object('day', a.day, 'batch_id', $1, 'sent', a.sent, 'delivered', a.delivered,
                                  'bounced', a.bounced, 'spam', a.spam, 'blocked', a.blocked,
                                  'cost_impact', a.cost_impact)
        FROM added a
        RETURNING 1
    )
    -- counted and emitted run whether read or not (data-modifying WITH queries always run to completion)
    SELECT coalesce(sum(a.sent + a.delivered + a.bounced + a.spam + a.blocked), 0)::bigint FROM added a;
$$;
COMMENT ON FUNCTION tenantdb_events_record_outcomes(uuid, uuid[], timestamptz[], text[], numeric[]) IS
    'Ingests one batch of e-mail delivery outcomes (parallel arrays: tenant, when, outcome sent|delivered|bounced|'
    'spam|blocked, what sending the e-mail cost) into email_delivery_daily, once per batch_id: returns the outcomes '
    'counted, 0 for a replay. A bad element (no tenant or time, an unknown outcome, a negative cost) fails the whole '
    'batch with SQLSTATE 22023 and counts nothing. SECURITY INVOKER: application_service records its own tenant''s.';

ALTER TABLE email_delivery_batches OWNER TO tenantdb_owner;
ALTER TABLE email_delivery_batches_default OWNER TO tenantdb_owner;
ALTER TABLE email_delivery_daily OWNER TO tenantdb_owner;
ALTER TABLE email_delivery_daily_default OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_events_bad_outcome(uuid, date, text, numeric) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_events_record_outcomes(uuid, uuid[], timestamptz[], text[], numeric[]) OWNER TO tenantdb_owner;

-- migrate:down
DROP FUNCTION tenantdb_events_record_outcomes(uuid, uuid[], timestamptz[], text[], numeric[]);
DROP FUNCTION tenantdb_events_bad_outcome(uuid, date, text, numeric);
DROP TABLE email_delivery_daily;
DROP TABLE email_delivery_batches;
