-- migrate:up
CREATE TABLE deliverability_daily (
    tenant_id       uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    day             date        NOT NULL,
    sent            bigint      NOT NULL DEFAULT 0 CHECK (sent >= 0),
    delivered       bigint      NOT NULL DEFAULT 0 CHECK (delivered >= 0),
    bounced_hard    bigint      NOT NULL DEFAULT 0 CHECK (bounced_hard >= 0),
    bounced_soft    bigint      NOT NULL DEFAULT 0 CHECK (bounced_soft >= 0),
    spam_complaints bigint      NOT NULL DEFAULT 0 CHECK (spam_complaints >= 0),
    blocked         bigint      NOT NULL DEFAULT 0 CHECK (blocked >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, day),
    CONSTRAINT deliverability_daily_outcomes_within_sent CHECK (delivered + bounced_hard + bounced_soft <= sent),
    CONSTRAINT deliverability_daily_blocked_undelivered CHECK (blocked <= sent - delivered),
    CONSTRAINT deliverability_daily_complaints_within_delivered CHECK (spam_complaints <= delivered)
);
COMMENT ON TABLE deliverability_daily IS
    'Daily roll-up of a tenant''s sending, one row per tenant and day (UTC), recomputed by the platform''s roll-up '
    'job as db_administrators: it is the usage driver that splits shared pools'' cost, so no tenant role writes it '
    '(a tenant lowering its own volume would move cost onto the other members); tenant roles read their own rows. '
    'Rates: bounce = (bounced_hard + bounced_soft) / sent, spam = spam_complaints / '
    'delivered; mailbox providers'' published limits are 0.1% / 0.3% spam and 5% / 10% bounce.';
COMMENT ON COLUMN deliverability_daily.sent IS 'Messages handed to receiving servers that day.';
COMMENT ON COLUMN deliverability_daily.delivered IS 'Accepted by the receiving server; never more than sent.';
COMMENT ON COLUMN deliverability_daily.bounced_hard IS
    'Permanent failures (unknown mailbox, domain); delivered + bounced_hard + bounced_soft <= sent.';
COMMENT ON COLUMN deliverability_daily.bounced_soft IS 'Temporary failures that were given up on (mailbox full, deferrals).';
COMMENT ON COLUMN deliverability_daily.spam_complaints IS
    'Feedback-loop complaints about messages delivered that day; never more than delivered.';
COMMENT ON COLUMN deliverability_daily.blocked IS
    'Refused because of a block listing of the sending IP or domain; also counted in the bounces when the '
    'provider reported a bounce, and never among the delivered.';
CREATE TRIGGER deliverability_daily_touch_updated_at BEFORE UPDATE ON deliverability_daily
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

-- Read-only for tenant roles: the usage driver of pooled cost (RELIABILITY R24).
ALTER TABLE deliverability_daily ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON deliverability_daily TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON deliverability_daily AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON deliverability_daily FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON deliverability_daily TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON deliverability_daily TO db_administrators;
GRANT SELECT ON deliverability_daily TO application_service, tenant_api, business_analysts;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE deliverability_daily OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE deliverability_daily;

-- migrate:verify
SELECT 'deliverability of tenant ' || tenant_id || ' on ' || day || ': more outcomes than messages sent' AS problem
FROM deliverability_daily
WHERE delivered + bounced_hard + bounced_soft > sent
   OR blocked > sent - delivered
   OR spam_complaints > delivered;

SELECT 'deliverability of tenant ' || tenant_id || ' is recorded for ' || day || ', a day that has not begun'
    AS problem
FROM deliverability_daily
WHERE day > (now() AT TIME ZONE 'UTC')::date;
