-- migrate:up
-- Checking a token wrote its last_used_at on every request: every API request was a write transaction (a row
-- version, WAL and a commit that waits for the disk) holding its pooled connection the longer, under load the
-- difference between a free connection and a 503. The time of use is now written when the stored one is a minute
-- old or more (`tenantdb tokens list` shows it to the minute); a revoked or expired token is refused as before.

SELECT set_config('search_path', format('%I, pg_catalog, pg_temp', current_schema()), true);

CREATE OR REPLACE FUNCTION tenantdb_api_authenticate(hash bytea)
RETURNS TABLE (token_id uuid, scope text, company_id uuid, company_slug text)
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    WITH valid AS (
        SELECT t.token_id, t.scope, t.company_id, t.last_used_at
        FROM api_tokens t
        WHERE t.token_hash = hash AND t.revoked_at IS NULL AND t.expires_at > now()
    ), used AS (
        UPDATE api_tokens t SET last_used_at = now()
        FROM valid v
        WHERE t.token_id = v.token_id AND (v.last_used_at IS NULL OR v.last_used_at < now() - interval '1 minute')
        RETURNING t.token_id
    )
    SELECT v.token_id, v.scope, v.company_id, (SELECT c.slug FROM companies c WHERE c.id = v.company_id)
    FROM valid v
$$;

-- migrate:down
SELECT set_config('search_path', format('%I, pg_catalog, pg_temp', current_schema()), true);

CREATE OR REPLACE FUNCTION tenantdb_api_authenticate(hash bytea)
RETURNS TABLE (token_id uuid, scope text, company_id uuid, company_slug text)
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path FROM CURRENT
AS $$
    UPDATE api_tokens t SET last_used_at = now()
    WHERE t.token_hash = hash AND t.revoked_at IS NULL AND t.expires_at > now()
    RETURNING t.token_id, t.scope, t.company_id, (SELECT c.slug FROM companies c WHERE c.id = t.company_id)
$$;

-- migrate:verify
SELECT 'tenantdb_api_authenticate still writes on every use'
WHERE NOT EXISTS (
    SELECT FROM pg_proc WHERE oid = to_regprocedure('tenantdb_api_authenticate(bytea)') AND prosrc LIKE '%1 minute%'
);
