-- migrate:up
-- Rate limits of AI analysis sessions, enforced in the database when a session is created (docs/ai-rate-limits.md).
-- The limits are keys of the plan's feature_limits (module billing):
--   ai_sessions_per_month   sessions a tenant may create per calendar month (UTC); a missing key = unlimited;
--   ai_concurrent_sessions  sessions a tenant may have queued or running at once; a missing key = unlimited.
-- The plan is that of the tenant's subscription in force (trialing, active or past_due); with several in force
-- (add-ons) the most generous limit applies. A tenant with no subscription in force has no plan and is refused.
-- A refusal raises SQLSTATE P0L01 (month, or no subscription in force) or P0L02 (concurrent); the HTTP API answers
-- 429 with Retry-After. The check is exact under concurrency: a tenant's creations queue on its companies row.
CREATE TABLE ai_session_usage (
    tenant_id        uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    month            date        NOT NULL CHECK (month = date_trunc('month', month)),
    sessions_created integer     NOT NULL DEFAULT 0 CHECK (sessions_created >= 0),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, month)
);
COMMENT ON TABLE ai_session_usage IS
    'AI analysis sessions each tenant created per calendar month (UTC), counted by the limits trigger when a '
    'session is created (deleting a session gives nothing back). Only the trigger (as the owner) and '
    'db_administrators write it; tenant roles read their own rows.';
COMMENT ON COLUMN ai_session_usage.month IS 'The first day of the UTC month the sessions were created in.';
COMMENT ON COLUMN ai_session_usage.sessions_created IS
    'Sessions created in the month, compared with the plan''s feature_limits ->> ''ai_sessions_per_month''.';

ALTER TABLE ai_session_usage ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_session_usage TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON ai_session_usage AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON ai_session_usage FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design (a courtesy reset)
CREATE POLICY administrators_manage ON ai_session_usage TO db_administrators USING (true) WITH CHECK (true);
-- Tenant roles only read their usage (no write grant, whatever the policies allow): the trigger below writes it.
GRANT SELECT ON ai_session_usage TO application_service, tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_session_usage TO db_administrators;

CREATE FUNCTION tenantdb_ai_session_limits(tenant uuid)
RETURNS TABLE (subscribed boolean, sessions_per_month bigint, concurrent_sessions bigint)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    -- NULL = unlimited: one plan in force without the key (or with a value that is not a number) lifts the limit.
    SELECT count(*) > 0,
           CASE WHEN bool_and(coalesce(jsonb_typeof(p.feature_limits -> 'ai_sessions_per_month') = 'number', false))
                THEN max((p.feature_limits ->> 'ai_sessions_per_month')::numeric)::bigint END,
           CASE WHEN bool_and(coalesce(jsonb_typeof(p.feature_limits -> 'ai_concurrent_sessions') = 'number', false))
                THEN max((p.feature_limits ->> 'ai_concurrent_sessions')::numeric)::bigint END
    FROM subscriptions s
    JOIN plans p ON p.plan_id = s.plan_id
    WHERE s.tenant_id = $1
      AND s.status IN ('trialing', 'active', 'past_due');
$$;
COMMENT ON FUNCTION tenantdb_ai_session_limits(uuid) IS
    'The AI session limits of a tenant''s plans in force: subscribed (any subscription trialing, active or '
    'past_due), sessions_per_month and concurrent_sessions (NULL = unlimited; with several plans, the most '
    'generous). Runs with the caller''s rights: a tenant role sees only its own subscriptions.';

CREATE FUNCTION tenantdb_ai_session_admit() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    limits     record;
    created    integer;  -- sessions created in the month before this one
    active     bigint;
    this_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
BEGIN
    -- The tenant's lock, its companies row: concurrent creations of a tenant wait here for each other, and each
    -- statement below then reads what the others committed (READ COMMITTED). NO KEY UPDATE does not conflict with
    -- the KEY SHARE locks of foreign key checks, so the tenant's other writes go on. (Advisory locks are no
    -- tenant's to take: module security revokes them.) The counter row is updated by every creation of the month
    -- (a session set running again only touches it): under REPEATABLE READ or SERIALIZABLE, a creation whose
    -- snapshot misses another one fails there with a serialization error (40001) rather than count from it.
    PERFORM FROM companies WHERE id = NEW.tenant_id FOR NO KEY UPDATE;
    INSERT INTO ai_session_usage AS u (tenant_id, month, sessions_created)
    VALUES (NEW.tenant_id, this_month, CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END)
    ON CONFLICT (tenant_id, month) DO UPDATE
        SET sessions_created = u.sessions_created + EXCLUDED.sessions_created, updated_at = now()
    RETURNING u.sessions_created - CASE WHEN TG_OP = 'INSERT' THEN 1 ELSE 0 END INTO created;

    SELECT * INTO limits FROM tenantdb_ai_session_limits(NEW.tenant_id);
    IF NOT limits.subscribed THEN
        RAISE EXCEPTION 'AI analysis session refused: tenant % has no subscription in force', NEW.tenant_id
            USING ERRCODE = 'P0L01',
                  DETAIL = 'limit=ai_sessions_per_month limit_value=0 usage=' || created,
                  HINT = 'a tenant needs a trialing, active or past_due subscription to run AI analyses';
    END IF;
    IF TG_OP = 'INSERT' AND created >= limits.sessions_per_month THEN
        RAISE EXCEPTION 'AI analysis session refused: ai_sessions_per_month limit of % reached (% created in %)',
                limits.sessions_per_month, created, to_char(this_month, 'YYYY-MM')
            USING ERRCODE = 'P0L01',
                  DETAIL = 'limit=ai_sessions_per_month limit_value=' || limits.sessions_per_month
                           || ' usage=' || created,
                  HINT = 'the limit resets at the start of the next UTC month, or upgrade the plan';
    END IF;
    IF NEW.status IN ('queued', 'running') AND limits.concurrent_sessions IS NOT NULL THEN
        -- The new row is visible here: this is an AFTER trigger, and the count includes it.
        SELECT count(*) INTO active
        FROM ai_analysis_sessions
        WHERE tenant_id = NEW.tenant_id AND status IN ('queued', 'running');
        IF active > limits.concurrent_sessions THEN
            RAISE EXCEPTION
                'AI analysis session refused: ai_concurrent_sessions limit of % reached (% queued or running)',
                limits.concurrent_sessions, active - 1
                USING ERRCODE = 'P0L02',
                      DETAIL = 'limit=ai_concurrent_sessions limit_value=' || limits.concurrent_sessions
                               || ' usage=' || (active - 1),
                      HINT = 'retry once one of the tenant''s sessions has finished, or upgrade the plan';
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION tenantdb_ai_session_admit() IS
    'Trigger of ai_analysis_sessions: counts a created session in ai_session_usage and refuses it past the plan''s '
    'ai_sessions_per_month (SQLSTATE P0L01) or ai_concurrent_sessions (P0L02); also checks a session set queued or '
    'running again. SECURITY DEFINER (a trigger function cannot be called directly) so tenant roles, which only '
    'read ai_session_usage, are counted all the same.';
REVOKE EXECUTE ON FUNCTION tenantdb_ai_session_admit() FROM PUBLIC;

-- AFTER, so row-level security's WITH CHECK and the foreign keys have passed: a tenant cannot take another
-- tenant's lock or read its usage in an error by naming its tenant_id.
CREATE TRIGGER ai_analysis_sessions_limits AFTER INSERT ON ai_analysis_sessions
    FOR EACH ROW EXECUTE FUNCTION tenantdb_ai_session_admit();
CREATE TRIGGER ai_analysis_sessions_limits_reactivated AFTER UPDATE OF status ON ai_analysis_sessions
    FOR EACH ROW
    WHEN (OLD.status NOT IN ('queued', 'running') AND NEW.status IN ('queued', 'running'))
    EXECUTE FUNCTION tenantdb_ai_session_admit();

-- Usage against the limits, per tenant, for the current UTC month; security_invoker: a tenant role sees its own.
CREATE VIEW ai_session_usage_current WITH (security_invoker = true) AS
SELECT c.id AS tenant_id,
       date_trunc('month', now() AT TIME ZONE 'UTC')::date AS month,
       coalesce(u.sessions_created, 0) AS sessions_created,
       l.sessions_per_month,
       a.active_sessions,
       l.concurrent_sessions,
       l.subscribed
FROM companies c
CROSS JOIN LATERAL tenantdb_ai_session_limits(c.id) l
LEFT JOIN ai_session_usage u ON u.tenant_id = c.id AND u.month = date_trunc('month', now() AT TIME ZONE 'UTC')::date
CROSS JOIN LATERAL (
    SELECT count(*) AS active_sessions
    FROM ai_analysis_sessions s
    WHERE s.tenant_id = c.id AND s.status IN ('queued', 'running')
) a;
COMMENT ON VIEW ai_session_usage_current IS
    'Each tenant''s AI sessions this UTC month and queued or running now, beside its plan''s limits (NULL = '
    'unlimited; subscribed = false: refused).';
GRANT SELECT ON ai_session_usage_current TO application_service, tenant_api, business_analysts, db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE ai_session_usage OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_ai_session_limits(uuid) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_ai_session_admit() OWNER TO tenantdb_owner;
ALTER VIEW ai_session_usage_current OWNER TO tenantdb_owner;

-- migrate:down
DROP VIEW ai_session_usage_current;
DROP TRIGGER ai_analysis_sessions_limits_reactivated ON ai_analysis_sessions;
DROP TRIGGER ai_analysis_sessions_limits ON ai_analysis_sessions;
DROP FUNCTION tenantdb_ai_session_admit();
DROP FUNCTION tenantdb_ai_session_limits(uuid);
DROP TABLE ai_session_usage;

-- migrate:verify
SELECT 'ai_session_usage: tenant ' || tenant_id || ' month ' || month || ' is not the first of a month' AS problem
FROM ai_session_usage
WHERE month <> date_trunc('month', month);
