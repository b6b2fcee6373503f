-- migrate:up
-- Credentials of the HTTP API (tenantdb serve, docs/server.md). A token is a random 256-bit secret shown once;
-- only its SHA-256 is stored, so a copy of this table opens nothing. Looking a token up by its hash is
-- timing-safe: the secret is uniformly random, so the time an index lookup takes tells an attacker nothing about
-- any stored token's secret (they would have to invert SHA-256 to aim at one).
--
-- company_id names the customer of a tenant-scope token, NULL for the operator's scopes. These are operator
-- tables, not a tenant's data: no tenant or analyst role has any grant on them, db_administrators read them, and
-- the server's NOLOGIN role tenantdb_api_auth reaches them only through the SECURITY DEFINER functions below.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tenantdb_api_auth') THEN
        BEGIN
            CREATE ROLE tenantdb_api_auth NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'tenantdb_api_auth' AND (rolsuper OR rolbypassrls OR rolcanlogin))
    THEN
        RAISE EXCEPTION 'role tenantdb_api_auth exists but is not a NOLOGIN role subject to row-level security'
            USING HINT = 'ALTER ROLE tenantdb_api_auth NOLOGIN NOSUPERUSER NOBYPASSRLS, then migrate again';
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO tenantdb_api_auth', current_schema());
END
$$;

CREATE TABLE api_tokens (
    token_id     uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scope        text        NOT NULL CHECK (scope IN ('executive', 'analyst', 'admin', 'tenant')),
    company_id   uuid        REFERENCES companies (id) ON DELETE CASCADE,
    token_hash   bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    prefix       text        NOT NULL CHECK (prefix ~ '^tdb_[A-Za-z0-9_-]{8}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CHECK ((scope = 'tenant') = (company_id IS NOT NULL)),
    CHECK (expires_at > created_at)
);
COMMENT ON TABLE api_tokens IS
    'Bearer tokens of the HTTP API: scope (executive, analyst, admin, or tenant with its company), the SHA-256 of '
    'the secret (never the secret), a short non-secret prefix to tell tokens apart, expiry and revocation.';
CREATE INDEX api_tokens_company_idx ON api_tokens (company_id);

CREATE TABLE api_sessions (
    session_hash bytea       PRIMARY KEY CHECK (octet_length(session_hash) = 32),
    token_id     uuid        NOT NULL REFERENCES api_tokens (token_id) ON DELETE CASCADE,
    csrf_hash    bytea       NOT NULL CHECK (octet_length(csrf_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    CHECK (expires_at > created_at)
);
COMMENT ON TABLE api_sessions IS
    'Dashboard logins: the SHA-256 of the session cookie and of its CSRF secret, the token logged in with, expiry '
    'and logout.';
CREATE INDEX api_sessions_token_idx ON api_sessions (token_id);

CREATE TABLE api_audit (
    audit_id       uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    at             timestamptz NOT NULL DEFAULT now(),
    token_id       uuid,
    scope          text,
    company_id     uuid,
    action         text        NOT NULL CHECK (action IN ('login', 'login_failed', 'logout', 'request')),
    method         text        NOT NULL,
    route          text        NOT NULL,
    status         integer     NOT NULL,
    client_address text,
    details        jsonb       NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE api_audit IS
    'Append-only trail of the HTTP API: every login (success and failure), logout, request of an admin-scope token '
    'and state change, with its route and status. No role may change or delete a row (a trigger refuses it too).';
CREATE INDEX api_audit_at_idx ON api_audit (at);

CREATE FUNCTION tenantdb_api_audit_refuse() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'api_audit is append-only: rows are never changed or deleted'
        USING ERRCODE = '42501';
END;
$$;
CREATE TRIGGER api_audit_append_only BEFORE UPDATE OR DELETE ON api_audit
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_api_audit_refuse();
CREATE TRIGGER api_audit_no_truncate BEFORE TRUNCATE ON api_audit
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_api_audit_refuse();

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE api_sessions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE api_audit ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY administrators_read ON api_tokens FOR SELECT TO db_administrators USING (true);
CREATE POLICY administrators_read ON api_sessions FOR SELECT TO db_administrators USING (true);
CREATE POLICY administrators_read ON api_audit FOR SELECT TO db_administrators USING (true);
REVOKE ALL ON api_tokens, api_sessions, api_audit FROM PUBLIC;
GRANT SELECT ON api_tokens, api_sessions, api_audit TO db_administrators;

-- The functions below run as the owner with this schema pinned first in their search_path (captured FROM CURRENT).
SELECT set_config('search_path', format('%I, pg_catalog, pg_temp', current_schema()), true);

-- The principal of a valid (known, unexpired, unrevoked) token; marks it used. Nothing for any other token.
CREATE FUNCTION tenantdb_api_authenticate(hash bytea)
RETURNS TABLE (token_id uuid, scope text, company_id uuid, company_slug text)
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    UPDATE api_tokens t SET last_used_at = now()
    WHERE t.token_hash = hash AND t.revoked_at IS NULL AND t.expires_at > now()
    RETURNING t.token_id, t.scope, t.company_id, (SELECT c.slug FROM companies c WHERE c.id = t.company_id)
$$;

-- A dashboard login: the session of a valid token (nothing for an invalid one).
CREATE FUNCTION tenantdb_api_session_open(hash bytea, session bytea, csrf bytea, lifetime interval)
RETURNS TABLE (token_id uuid, scope text, company_id uuid, company_slug text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
DECLARE
    owner record;
BEGIN
    SELECT * INTO owner FROM tenantdb_api_authenticate(hash) a;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO api_sessions (session_hash, token_id, csrf_hash, expires_at)
    VALUES (session, owner.token_id, csrf,
            least(now() + lifetime, (SELECT t.expires_at FROM api_tokens t WHERE t.token_id = owner.token_id)));
    RETURN QUERY SELECT owner.token_id, owner.scope, owner.company_id, owner.company_slug;
END;
$$;

-- The principal of a live session and the hash of its CSRF secret (the token must still be valid too).
CREATE FUNCTION tenantdb_api_session_resolve(session bytea)
RETURNS TABLE (token_id uuid, scope text, company_id uuid, company_slug text, csrf_hash bytea)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    SELECT t.token_id, t.scope, t.company_id, c.slug, s.csrf_hash
    FROM api_sessions s
    JOIN api_tokens t ON t.token_id = s.token_id
    LEFT JOIN companies c ON c.id = t.company_id
    WHERE s.session_hash = session AND s.revoked_at IS NULL AND s.expires_at > now()
      AND t.revoked_at IS NULL AND t.expires_at > now()
$$;

-- Logout: the session ends now; true when there was a live one.
CREATE FUNCTION tenantdb_api_session_close(session bytea) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    WITH closed AS (
        UPDATE api_sessions s SET revoked_at = now()
        WHERE s.session_hash = session AND s.revoked_at IS NULL
        RETURNING 1
    )
    SELECT EXISTS (SELECT FROM closed)
$$;

CREATE FUNCTION tenantdb_api_audit_record(
    token_id uuid, scope text, company_id uuid, action text, method text, route text, status integer,
    client_address text, details jsonb
) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    INSERT INTO api_audit (token_id, scope, company_id, action, method, route, status, client_address, details)
    VALUES (token_id, scope, company_id, action, method, route, status, client_address, coalesce(details, '{}'))
$$;

REVOKE EXECUTE ON FUNCTION tenantdb_api_authenticate(bytea), tenantdb_api_session_open(bytea, bytea, bytea, interval),
    tenantdb_api_session_resolve(bytea), tenantdb_api_session_close(bytea),
    tenantdb_api_audit_record(uuid, text, uuid, text, text, text, integer, text, jsonb),
    tenantdb_api_audit_refuse() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantdb_api_authenticate(bytea), tenantdb_api_session_open(bytea, bytea, bytea, interval),
    tenantdb_api_session_resolve(bytea), tenantdb_api_session_close(bytea),
    tenantdb_api_audit_record(uuid, text, uuid, text, text, text, integer, text, jsonb) TO tenantdb_api_auth;

ALTER TABLE api_tokens OWNER TO tenantdb_owner;
ALTER TABLE api_sessions OWNER TO tenantdb_owner;
ALTER TABLE api_audit OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_api_audit_refuse() OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_api_authenticate(bytea) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_api_session_open(bytea, bytea, bytea, interval) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_api_session_resolve(bytea) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_api_session_close(bytea) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_api_audit_record(uuid, text, uuid, text, text, text, integer, text, jsonb)
    OWNER TO tenantdb_owner;

-- migrate:down
DROP FUNCTION tenantdb_api_audit_record(uuid, text, uuid, text, text, text, integer, text, jsonb);
DROP FUNCTION tenantdb_api_session_close(bytea);
DROP FUNCTION tenantdb_api_session_resolve(bytea);
DROP FUNCTION tenantdb_api_session_open(bytea, bytea, bytea, interval);
DROP FUNCTION tenantdb_api_authenticate(bytea);
DROP TABLE api_audit;
DROP FUNCTION tenantdb_api_audit_refuse();
DROP TABLE api_sessions;
DROP TABLE api_tokens;
DO $$
BEGIN
    EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM tenantdb_api_auth', current_schema());
END
$$;

-- migrate:verify
SELECT format('role %s may %s %s', r.rolname, p.privilege, t.table_name) AS problem
FROM unnest(ARRAY['api_tokens', 'api_sessions', 'api_audit']) AS t (table_name)
CROSS JOIN pg_roles r
CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p (privilege)
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts', 'tenantdb_api_auth')
  AND has_table_privilege(r.oid, t.table_name, p.privilege);
