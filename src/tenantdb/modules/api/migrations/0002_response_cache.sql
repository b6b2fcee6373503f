-- migrate:up
-- The response cache the server's worker processes share (docs/server.md, "Caching"): finished bodies of the
-- read-only report routes of the operator scopes, under a SHA-256 key of (the scope's role, the route, its
-- parameters, the format, the data version, the UTC day). A report that one worker built is served by every
-- worker, and by a restarted server, until the data version moves (then the key is another one).
--
-- Tenant-scope answers are never stored here (they stay in each worker's memory): no tenant row exists to read.
-- Like api_tokens, this is an operator table: no tenant or analyst role has a grant on it (an analyst who could
-- write a row could forge the executives' figures), db_administrators read it, and the server's NOLOGIN role
-- tenantdb_api_auth reaches it only through the SECURITY DEFINER functions below. UNLOGGED: a cache, lost on a
-- crash and rebuilt by the next requests, never worth WAL.

CREATE UNLOGGED TABLE api_response_cache (
    cache_key    bytea       PRIMARY KEY CHECK (octet_length(cache_key) = 32),
    role_name    text        NOT NULL,
    route        text        NOT NULL,
    data_version text        NOT NULL,
    stored_on    date        NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')::date,
    media_type   text        NOT NULL,
    headers      jsonb       NOT NULL,
    body         bytea       NOT NULL
);
COMMENT ON TABLE api_response_cache IS
    'Response bodies of the HTTP API''s report routes shared by the server''s workers (operator scopes only), by '
    'the SHA-256 of role, route, parameters, format, data version and UTC day; a day-old row is deleted on write.';
CREATE INDEX api_response_cache_stored_on_idx ON api_response_cache (stored_on);

ALTER TABLE api_response_cache ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY administrators_read ON api_response_cache FOR SELECT TO db_administrators USING (true);
REVOKE ALL ON api_response_cache FROM PUBLIC;
GRANT SELECT ON api_response_cache TO db_administrators;

SELECT set_config('search_path', format('%I, pg_catalog, pg_temp', current_schema()), true);

-- The stored answer under ``key`` (nothing when there is none).
CREATE FUNCTION tenantdb_api_cache_get(key bytea)
RETURNS TABLE (media_type text, headers jsonb, body bytea)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    SELECT c.media_type, c.headers, c.body FROM api_response_cache c WHERE c.cache_key = key
$$;

-- Store an answer (the first one stored under a key stays: the same key is the same answer) and delete the rows
-- of days before yesterday, which no key can name again.
CREATE FUNCTION tenantdb_api_cache_put(
    key bytea, role_name text, route text, data_version text, media_type text, headers jsonb, body bytea
) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    DELETE FROM api_response_cache c WHERE c.stored_on < (now() AT TIME ZONE 'UTC')::date - 1;
    INSERT INTO api_response_cache (cache_key, role_name, route, data_version, media_type, headers, body)
    VALUES (key, role_name, route, data_version, media_type, headers, body)
    ON CONFLICT (cache_key) DO NOTHING;
$$;

REVOKE EXECUTE ON FUNCTION tenantdb_api_cache_get(bytea),
    tenantdb_api_cache_put(bytea, text, text, text, text, jsonb, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantdb_api_cache_get(bytea),
    tenantdb_api_cache_put(bytea, text, text, text, text, jsonb, bytea) TO tenantdb_api_auth;

ALTER TABLE api_response_cache OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_api_cache_get(bytea) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_api_cache_put(bytea, text, text, text, text, jsonb, bytea) OWNER TO tenantdb_owner;

-- migrate:down
DROP FUNCTION tenantdb_api_cache_put(bytea, text, text, text, text, jsonb, bytea);
DROP FUNCTION tenantdb_api_cache_get(bytea);
DROP TABLE api_response_cache;

-- migrate:verify
SELECT format('role %s may %s api_response_cache', r.rolname, p.privilege) AS problem
FROM pg_roles r
CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p (privilege)
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts', 'tenantdb_api_auth')
  AND has_table_privilege(r.oid, 'api_response_cache', p.privilege)
UNION ALL
SELECT format('role %s may run %s', r.rolname, f.signature)
FROM unnest(ARRAY['tenantdb_api_cache_get(bytea)', 'tenantdb_api_cache_put(bytea, text, text, text, text, jsonb, bytea)'])
    AS f (signature)
CROSS JOIN pg_roles r
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts')
  AND has_function_privilege(r.oid, f.signature, 'EXECUTE');
