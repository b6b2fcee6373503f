-- migrate:up
-- The tenant context every policy reads: `(SELECT tenantdb_current_tenant())`, evaluated once per statement.
--
-- Plain mode (no key in tenantdb_context_keys): the tenant is app.current_tenant_id, which the application sets
-- with set_config('app.current_tenant_id', <uuid>, true) in the request's transaction. Any role can set it, so
-- this mode is for deployments whose tenants never run SQL.
--
-- Signed mode (at least one key): the tenant is read only from app.tenant_context, a token
-- `<tenant uuid>.<expiry unix seconds>.<key id (uuid)>.<hex HMAC-SHA-256 of the first three parts>` signed by the
-- application with a key it shares with this table (`tenantdb context key add`; TenantTokenSigner in Python).
-- The tenant and analyst roles can neither read the keys nor call the padding function, so SQL run as a tenant
-- role can present a token but not make one: a forged, altered, expired or unknown-key token, or the plain
-- setting, yields NULL and every tenant table looks empty.

-- HMAC(K, m) = H((K xor opad) || H((K xor ipad) || m)): the padded keys are computed once, when a key is stored.
CREATE FUNCTION tenantdb_hmac_pad(secret bytea, pad integer) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog
AS $$
DECLARE
    block bytea := secret || decode(repeat('00', 64 - octet_length(secret)), 'hex');
BEGIN
    FOR i IN 0 .. 63 LOOP
        block := set_byte(block, i, get_byte(block, i) # pad);
    END LOOP;
    RETURN block;
END;
$$;
COMMENT ON FUNCTION tenantdb_hmac_pad(bytea, integer) IS
    'The HMAC key block: the secret zero-padded to 64 bytes, each byte XORed with pad (0x36 inner, 0x5c outer).';
REVOKE EXECUTE ON FUNCTION tenantdb_hmac_pad(bytea, integer) FROM PUBLIC;
ALTER FUNCTION tenantdb_hmac_pad(bytea, integer) OWNER TO tenantdb_owner;

CREATE TABLE tenantdb_context_keys (
    key_id     uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    secret     bytea       NOT NULL CHECK (octet_length(secret) BETWEEN 32 AND 64),
    inner_pad  bytea       NOT NULL GENERATED ALWAYS AS (tenantdb_hmac_pad(secret, 54)) STORED,
    outer_pad  bytea       NOT NULL GENERATED ALWAYS AS (tenantdb_hmac_pad(secret, 92)) STORED,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tenantdb_context_keys IS
    'Keys the application signs tenant tokens with. Empty: plain mode (policies trust app.current_tenant_id). One '
    'or more rows: signed mode (policies trust only a valid app.tenant_context token); two rows while a key is '
    'rotated. Readable by no tenant or analyst role.';
REVOKE ALL ON tenantdb_context_keys FROM PUBLIC;
ALTER TABLE tenantdb_context_keys OWNER TO tenantdb_owner;

-- The schema is pinned in search_path (a SECURITY DEFINER function must not resolve names through the caller's
-- path), so the function is created with the schema the module is installed in.
DO $$
BEGIN
    EXECUTE format($function$
CREATE FUNCTION tenantdb_current_tenant() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, %I, pg_temp
AS $body$
DECLARE
    token     text := current_setting('app.tenant_context', true);
    inner_pad bytea;
    outer_pad bytea;
BEGIN
    -- One query per call in either mode (it runs for every policy of every statement): the token's key first.
    IF token <> '' THEN
        SELECT k.inner_pad, k.outer_pad INTO inner_pad, outer_pad
        FROM tenantdb_context_keys k
        WHERE k.key_id::text = split_part(token, '.', 3);
        IF FOUND THEN
            -- <message>.<64 hex digits>: the MAC of the message, or nothing.
            IF encode(sha256(outer_pad || sha256(inner_pad || convert_to(left(token, -65), 'UTF8'))), 'hex')
               = right(token, 64) THEN
                -- Signed by the key: the message is what the signer wrote, so the casts cannot fail.
                IF split_part(token, '.', 2)::bigint > extract(epoch FROM now()) THEN
                    RETURN split_part(token, '.', 1)::uuid;
                END IF;
            END IF;
            RETURN NULL;
        END IF;
    END IF;
    IF EXISTS (SELECT FROM tenantdb_context_keys) THEN
        RETURN NULL;  -- signed mode: no token, or one naming no key
    END IF;
    RETURN NULLIF(current_setting('app.current_tenant_id', true), '')::uuid;
END;
$body$
$function$, current_schema());
END
$$;
COMMENT ON FUNCTION tenantdb_current_tenant() IS
    'The tenant of the current request, for the policies (call it as (SELECT tenantdb_current_tenant()) so it runs '
    'once per statement): app.current_tenant_id in plain mode, the tenant of a valid app.tenant_context token '
    'once tenantdb_context_keys holds a key; NULL (no rows) when there is none or the token does not verify.';
REVOKE EXECUTE ON FUNCTION tenantdb_current_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantdb_current_tenant() TO application_service, tenant_api;
ALTER FUNCTION tenantdb_current_tenant() OWNER TO tenantdb_owner;

-- migrate:down
DROP FUNCTION tenantdb_current_tenant();
DROP TABLE tenantdb_context_keys;
DROP FUNCTION tenantdb_hmac_pad(bytea, integer);

-- migrate:verify
SELECT format('role %s may %s tenantdb_context_keys: it could read or change the keys tenant tokens are signed with',
              r.rolname, lower(privilege)) AS problem
FROM pg_roles r
CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS privilege
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts')
  AND has_table_privilege(r.oid, 'tenantdb_context_keys', privilege);

SELECT format('role %s may execute tenantdb_hmac_pad: it would derive the keys'' padded blocks', r.rolname) AS problem
FROM pg_roles r
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts')
  AND has_function_privilege(r.oid, 'tenantdb_hmac_pad(bytea, integer)', 'EXECUTE');
