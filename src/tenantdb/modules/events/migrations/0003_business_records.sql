-- migrate:up
-- What the business events are about, with their lifecycle: a revenue impact is detected and resolved, a cost
-- optimization is recommended, accepted and done, a strategic decision is opened and decided. Each transition
-- emits its event (business_events) in the same transaction, with a stable id.

CREATE TABLE revenue_impacts (
    tenant_id               uuid          NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    impact_id               uuid          NOT NULL,
    impact_type             text          NOT NULL
                                          CHECK (impact_type IN ('deliverability_risk', 'churn', 'downgrade',
                                                                 'upgrade', 'expansion', 'payment_failure',
                                                                 'refund', 'other')),
    amount                  numeric(14,2) NOT NULL,
    urgency                 text          NOT NULL CHECK (urgency IN ('low', 'medium', 'high', 'critical')),
    affected_customer_value numeric(14,2) NOT NULL CHECK (affected_customer_value >= 0),
    month                   date          NOT NULL CHECK (month = date_trunc('month', month)::date),
    detected_at             timestamptz   NOT NULL,
    resolved_at             timestamptz   CHECK (resolved_at >= detected_at),
    source                  text          NOT NULL CHECK (source IN ('bi_refresh', 'application')),
    details                 jsonb         NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    PRIMARY KEY (tenant_id, impact_id)
);
COMMENT ON TABLE revenue_impacts IS
    'Revenue gained or at risk for a customer: amount is dollars per month, negative for a loss or a risk, '
    'positive for a gain; affected_customer_value is the customer''s monthly revenue. A negative impact is '
    'protected when it is resolved within the response target (2 hours) of its detection.';

CREATE TABLE cost_optimizations (
    optimization_id  uuid          NOT NULL,
    tenant_id        uuid          REFERENCES companies (id) ON DELETE CASCADE,
    kind             text          NOT NULL
                                   CHECK (kind IN ('reprice_unprofitable_tenant', 'raise_margin_to_target',
                                                   'fix_deliverability', 'downsize_idle_dedicated',
                                                   'consolidate_idle_pool', 'review_invoice_drift')),
    subject          text          NOT NULL,
    pool_id          uuid,
    month            date          NOT NULL CHECK (month = date_trunc('month', month)::date),
    expected_savings numeric(14,2) NOT NULL CHECK (expected_savings >= 0),
    status           text          NOT NULL DEFAULT 'recommended'
                                   CHECK (status IN ('recommended', 'accepted', 'done', 'dismissed')),
    recommended_at   timestamptz   NOT NULL,
    accepted_at      timestamptz,
    done_at          timestamptz,
    done_by          text,
    note             text,
    CHECK ((status = 'done') = (done_at IS NOT NULL)),
    -- Led by tenant_id like every index of a table holding tenants' rows; NULLS NOT DISTINCT: a platform-wide
    -- action (no tenant) is unique by its id too.
    CONSTRAINT cost_optimizations_key UNIQUE NULLS NOT DISTINCT (tenant_id, optimization_id)
);
COMMENT ON TABLE cost_optimizations IS
    'A recommended action of the month (tenantdb report actions), one per kind, subject and month with a stable '
    'id: expected_savings is what it was worth per month when recommended. tenant_id is the customer concerned, '
    'NULL for a shared pool or a provider invoice (an operator table: tenant roles see their own rows only). '
    'Marked done with tenantdb actions done ID; its realized savings are measured on the following months '
    '(cost_optimization_results).';
CREATE INDEX cost_optimizations_tenant_idx ON cost_optimizations (tenant_id, month, kind);

CREATE TABLE cost_optimization_results (
    tenant_id       uuid,
    optimization_id uuid          NOT NULL,
    month           date          NOT NULL CHECK (month = date_trunc('month', month)::date),
    remaining       numeric(14,2) NOT NULL,
    realized        numeric(14,2) NOT NULL,
    measured_at     timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT cost_optimization_results_key UNIQUE NULLS NOT DISTINCT (tenant_id, optimization_id, month),
    FOREIGN KEY (tenant_id, optimization_id) REFERENCES cost_optimizations (tenant_id, optimization_id)
        ON DELETE CASCADE
);
COMMENT ON TABLE cost_optimization_results IS
    'A done optimization measured on a later month''s figures (by tenantdb bi refresh): remaining is what the same '
    'action is worth in that month (0 when no longer recommended), realized = expected_savings - remaining. tenant_id is the optimization''s.';

CREATE TABLE efficiency_metrics (
    tenant_id   uuid         NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    month       date         NOT NULL CHECK (month = date_trunc('month', month)::date),
    capacity    numeric      NOT NULL CHECK (capacity >= 0),
    used        numeric      NOT NULL CHECK (used >= 0),
    utilization numeric      CHECK (utilization >= 0),
    score       numeric(5,2) CHECK (score BETWEEN 0 AND 100),
    recorded_at timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, month)
);
COMMENT ON TABLE efficiency_metrics IS
    'A customer''s month: the capacity it pays for and the share of it used (utilization = used / capacity, NULL '
    'without capacity); score = utilization x 100 clamped to 0..100. Written by tenantdb bi refresh.';

CREATE TABLE strategic_decisions (
    decision_id    uuid          NOT NULL,
    tenant_id      uuid          REFERENCES companies (id) ON DELETE CASCADE,
    title          text          NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    category       text          NOT NULL
                                 CHECK (category IN ('pricing', 'infrastructure', 'deliverability', 'retention',
                                                     'expansion', 'other')),
    opened_at      timestamptz   NOT NULL,
    decided_at     timestamptz   CHECK (decided_at >= opened_at),
    outcome        text          CHECK (outcome IN ('approved', 'rejected', 'deferred')),
    expected_value numeric(14,2),
    note           text,
    CHECK ((decided_at IS NULL) = (outcome IS NULL)),
    CONSTRAINT strategic_decisions_key UNIQUE NULLS NOT DISTINCT (tenant_id, decision_id)
);
COMMENT ON TABLE strategic_decisions IS
    'A decision the business opened and decided, with how long it took (decided_at - opened_at) and its outcome. '
    'tenant_id is the customer concerned, NULL for a company-wide decision (an operator table).';
CREATE INDEX strategic_decisions_tenant_idx ON strategic_decisions (tenant_id, opened_at);

ALTER TABLE revenue_impacts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE efficiency_metrics ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE cost_optimizations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE cost_optimization_results ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE strategic_decisions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON revenue_impacts TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON revenue_impacts AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
-- The refresh's impacts (source bi_refresh) are the operator's measure of a customer: the application records and
-- resolves its own (source application) only, and reads both.
CREATE POLICY application_records_its_own ON revenue_impacts AS RESTRICTIVE FOR INSERT TO application_service
    WITH CHECK (source = 'application');
CREATE POLICY application_resolves_its_own ON revenue_impacts AS RESTRICTIVE FOR UPDATE TO application_service
    USING (source = 'application')
    WITH CHECK (source = 'application');
CREATE POLICY tenant_isolation ON efficiency_metrics TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON efficiency_metrics AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_isolation ON cost_optimizations FOR SELECT TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_isolation ON strategic_decisions FOR SELECT TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_isolation ON cost_optimization_results FOR SELECT TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()));
-- R12 on the operator tables: whatever permissive policy is added later, a tenant role reaches its own rows only.
CREATE POLICY tenant_guard ON cost_optimizations AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON cost_optimization_results AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON strategic_decisions AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));

CREATE POLICY analysts_read ON revenue_impacts FOR SELECT TO business_analysts USING (true);
CREATE POLICY analysts_read ON efficiency_metrics FOR SELECT TO business_analysts USING (true);
CREATE POLICY analysts_read ON cost_optimizations FOR SELECT TO business_analysts USING (true);
CREATE POLICY analysts_read ON cost_optimization_results FOR SELECT TO business_analysts USING (true);
CREATE POLICY analysts_read ON strategic_decisions FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON revenue_impacts TO db_administrators USING (true) WITH CHECK (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON efficiency_metrics TO db_administrators USING (true) WITH CHECK (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON cost_optimizations TO db_administrators USING (true) WITH CHECK (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON cost_optimization_results TO db_administrators USING (true) WITH CHECK (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON strategic_decisions TO db_administrators USING (true) WITH CHECK (true);
-- The BI refresh detects impacts, recommends and measures optimizations and scores efficiency for every tenant.
-- tenantdb: ignore[require-tenant-with-check] the refresh writes every tenant's rows by design
CREATE POLICY refresh_write ON revenue_impacts TO tenantdb_refresh USING (true) WITH CHECK (true);
-- tenantdb: ignore[require-tenant-with-check] the refresh writes every tenant's rows by design
CREATE POLICY refresh_write ON efficiency_metrics TO tenantdb_refresh USING (true) WITH CHECK (true);
-- tenantdb: ignore[require-tenant-with-check] the refresh writes every tenant's rows by design
CREATE POLICY refresh_write ON cost_optimizations TO tenantdb_refresh USING (true) WITH CHECK (true);
-- tenantdb: ignore[require-tenant-with-check] the refresh writes every tenant's rows by design
CREATE POLICY refresh_write ON cost_optimization_results TO tenantdb_refresh USING (true) WITH CHECK (true);

GRANT SELECT, INSERT, UPDATE ON revenue_impacts TO application_service;
GRANT SELECT ON revenue_impacts, efficiency_metrics TO tenant_api;
GRANT SELECT ON efficiency_metrics TO application_service;
-- cost_optimizations, their results and strategic_decisions are the operator's judgement of a customer ("costs more
-- than it pays: reprice"): no tenant role has a grant on them, not even for its own rows (the policies above stay,
-- so a grant added by mistake still shows a tenant its own rows only).
GRANT SELECT ON revenue_impacts, efficiency_metrics, cost_optimizations, cost_optimization_results,
                strategic_decisions TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON revenue_impacts, efficiency_metrics, cost_optimizations,
                                        cost_optimization_results, strategic_decisions TO db_administrators;
GRANT SELECT, INSERT, UPDATE, DELETE ON revenue_impacts, efficiency_metrics, cost_optimizations,
                                        cost_optimization_results TO tenantdb_refresh;
GRANT SELECT ON strategic_decisions TO tenantdb_refresh;

ALTER TABLE revenue_impacts OWNER TO tenantdb_owner;
ALTER TABLE cost_optimizations OWNER TO tenantdb_owner;
ALTER TABLE cost_optimization_results OWNER TO tenantdb_owner;
ALTER TABLE efficiency_metrics OWNER TO tenantdb_owner;
ALTER TABLE strategic_decisions OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE strategic_decisions;
DROP TABLE efficiency_metrics;
DROP TABLE cost_optimization_results;
DROP TABLE cost_optimizations;
DROP TABLE revenue_impacts;
