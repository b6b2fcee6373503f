-- migrate:up
CREATE TABLE billing_analytics (
    tenant_id           uuid          NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    subscription_id     uuid          NOT NULL,
    period_start        date          NOT NULL,
    period_end          date          NOT NULL,
    emails_sent         bigint        NOT NULL DEFAULT 0 CHECK (emails_sent >= 0),
    emails_delivered    bigint        NOT NULL DEFAULT 0 CHECK (emails_delivered >= 0),
    emails_bounced      bigint        NOT NULL DEFAULT 0 CHECK (emails_bounced >= 0),
    spam_complaints     bigint        NOT NULL DEFAULT 0 CHECK (spam_complaints >= 0),
    overage_emails      bigint        NOT NULL DEFAULT 0 CHECK (overage_emails >= 0),
    revenue             numeric(12,2) NOT NULL DEFAULT 0 CHECK (revenue >= 0),
    infrastructure_cost numeric(12,2) NOT NULL DEFAULT 0 CHECK (infrastructure_cost >= 0),
    currency            text          NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    created_at          timestamptz   NOT NULL DEFAULT now(),
    updated_at          timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, subscription_id, period_start),
    FOREIGN KEY (tenant_id, subscription_id) REFERENCES subscriptions (tenant_id, subscription_id) ON DELETE CASCADE,
    CONSTRAINT billing_analytics_period_ordered CHECK (period_end > period_start),
    CONSTRAINT billing_analytics_outcomes_within_sent CHECK (emails_delivered + emails_bounced <= emails_sent),
    CONSTRAINT billing_analytics_complaints_within_delivered CHECK (spam_complaints <= emails_delivered),
    CONSTRAINT billing_analytics_overage_within_sent CHECK (overage_emails <= emails_sent)
);
COMMENT ON TABLE billing_analytics IS
    'E-mail volume, revenue and infrastructure cost per subscription and billing period, recomputed by the '
    'platform''s service; the tenant API reads it. Periods of one subscription never overlap (verify block).';
COMMENT ON COLUMN billing_analytics.period_start IS 'First day of the period (inclusive).';
COMMENT ON COLUMN billing_analytics.period_end IS 'Day after the period (exclusive): [period_start, period_end).';
COMMENT ON COLUMN billing_analytics.overage_emails IS 'E-mails sent beyond what the plan includes, billed as usage.';
COMMENT ON COLUMN billing_analytics.revenue IS
    'Revenue recognized for the period (subscription share plus usage), in currency.';
COMMENT ON COLUMN billing_analytics.infrastructure_cost IS
    'Modeled cost of the servers and IP addresses that sent this subscription''s mail, in currency (shared '
    'servers by their allocation rule).';
CREATE TRIGGER billing_analytics_touch_updated_at BEFORE UPDATE ON billing_analytics
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

ALTER TABLE billing_analytics ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_analytics TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON billing_analytics AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON billing_analytics FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON billing_analytics TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON billing_analytics TO application_service, db_administrators;
GRANT SELECT ON billing_analytics TO tenant_api, business_analysts;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE billing_analytics OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE billing_analytics;

-- migrate:verify
SELECT 'billing analytics of subscription ' || a.subscription_id || ': periods starting ' || a.period_start
       || ' and ' || b.period_start || ' overlap' AS problem
FROM billing_analytics a
JOIN billing_analytics b
  ON b.tenant_id = a.tenant_id
 AND b.subscription_id = a.subscription_id
 AND b.period_start > a.period_start
 AND b.period_start < a.period_end;

SELECT 'billing analytics of subscription ' || a.subscription_id || ' from ' || a.period_start || ' are in '
       || a.currency || ' but its plan is priced in ' || p.currency AS problem
FROM billing_analytics a
JOIN subscriptions s ON s.tenant_id = a.tenant_id AND s.subscription_id = a.subscription_id
JOIN plans p ON p.plan_id = s.plan_id
WHERE a.currency <> p.currency;
