-- migrate:up
-- The tenant context every policy reads: `(SELECT tenantdb_current_tenant())`, evaluated once per statement.
--
-- Plain mode (no key in tenantdb_context_keys): the tenant is app.current_tenant_id, which the application sets
-- with set_config('app.current_tenant_id', <uuid>, true) in the request's transaction. Any role can set it, so
-- this mode is for deployments whose tenants never run SQL. tenantdb_current_tenant() is then a plain SQL
-- function the planner inlines: the policies cost what the bare setting costs.
--
-- Signed mode (at least one key): the tenant is read only from app.tenant_context, a token
-- `<tenant uuid>.<expiry unix seconds>.<key id (uuid)>.<hex HMAC-SHA-256 of the first three parts>` signed by the
-- application with a key it shares with this table (`tenantdb context key add`; TenantTokenSigner in Python),
-- verified by tenantdb_signed_tenant(), which tenantdb_current_tenant() then calls. The tenant and analyst roles
-- can neither read the keys nor call the padding function, so SQL run as a tenant role can present a token but
-- not make one: a forged, altered, expired or unknown-key token, or the plain setting, yields NULL and every
-- tenant table looks empty.
--
-- The mode follows the keys: a statement trigger on tenantdb_context_keys rewrites tenantdb_current_tenant() in
-- the transaction that adds the first key or removes the last (which also invalidates every cached plan that
-- inlined the old body).

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

-- tenantdb_signed_tenant(): the tenant of a valid token, or NULL. SECURITY DEFINER (it reads the keys) with the
-- schema pinned in search_path, so it is created with the schema the module is installed in.
DO $$
BEGIN
    EXECUTE format($function$
CREATE FUNCTION tenantdb_signed_tenant() RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, %I, pg_temp
AS $body$
DECLARE
    token     text := current_setting('app.tenant_context', true);
    inner_pad bytea;
    outer_pad bytea;
BEGIN
    IF token <> '' THEN
        SELECT k.inner_pad, k.outer_pad INTO inner_pad, outer_pad
        FROM tenantdb_context_keys k
        WHERE k.key_id::text = split_part(token, '.', 3);
        -- <message>.<64 hex digits>: the MAC of the message under the named key, or nothing.
        IF FOUND AND encode(sha256(outer_pad || sha256(inner_pad || convert_to(left(token, -65), 'UTF8'))), 'hex')
                     = right(token, 64) THEN
            -- Signed by the key: the message is what the signer wrote, so the casts cannot fail.
            IF split_part(token, '.', 2)::bigint > extract(epoch FROM now()) THEN
                RETURN split_part(token, '.', 1)::uuid;
            END IF;
        END IF;
    END IF;
    RETURN NULL;
END;
$body$
$function$, current_schema());
END
$$;
COMMENT ON FUNCTION tenantdb_signed_tenant() IS
    'The tenant of the app.tenant_context token when it is signed by a key of tenantdb_context_keys and not '
    'expired; NULL otherwise. What tenantdb_current_tenant() returns in signed mode.';
REVOKE EXECUTE ON FUNCTION tenantdb_signed_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantdb_signed_tenant() TO application_service, tenant_api;
ALTER FUNCTION tenantdb_signed_tenant() OWNER TO tenantdb_owner;

-- Plain mode's body (the module starts without keys); the trigger below switches it.
CREATE FUNCTION tenantdb_current_tenant() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(pg_catalog.current_setting('app.current_tenant_id', true), '')::pg_catalog.uuid $$;
COMMENT ON FUNCTION tenantdb_current_tenant() IS
    'The tenant of the current request, for the policies (call it as (SELECT tenantdb_current_tenant()) so it runs '
    'once per statement): app.current_tenant_id in plain mode, tenantdb_signed_tenant() once tenantdb_context_keys '
    'holds a key (its body follows the keys); NULL, so no rows, when there is none or the token does not verify.';
REVOKE EXECUTE ON FUNCTION tenantdb_current_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantdb_current_tenant() TO application_service, tenant_api;
ALTER FUNCTION tenantdb_current_tenant() OWNER TO tenantdb_owner;

-- Rewrites tenantdb_current_tenant() for the mode the keys call for. SECURITY DEFINER: the function belongs to
-- tenantdb_owner, and whoever manages keys (an administrator, the migration role) need not.
DO $$
BEGIN
    EXECUTE format($function$
CREATE FUNCTION tenantdb_context_mode_follows_keys() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, %1$I, pg_temp
AS $body$
DECLARE
    signed boolean := EXISTS (SELECT FROM tenantdb_context_keys);
    current text := (SELECT prosrc FROM pg_proc WHERE oid = 'tenantdb_current_tenant()'::regprocedure);
    -- Qualified names: an inlined body is parsed with the caller's search_path.
    wanted text := CASE WHEN signed THEN format(' SELECT %%I.tenantdb_signed_tenant() ', %1$L)
                        ELSE ' SELECT NULLIF(pg_catalog.current_setting(''app.current_tenant_id'', true), '''')'
                             '::pg_catalog.uuid ' END;
BEGIN
    IF current IS DISTINCT FROM wanted THEN
        EXECUTE format('CREATE OR REPLACE FUNCTION %%I.tenantdb_current_tenant() RETURNS uuid '
                       'LANGUAGE sql STABLE PARALLEL SAFE AS %%L', %1$L, wanted);
    END IF;
    RETURN NULL;
END;
$body$
$function$, current_schema());
END
$$;
REVOKE EXECUTE ON FUNCTION tenantdb_context_mode_follows_keys() FROM PUBLIC;
ALTER FUNCTION tenantdb_context_mode_follows_keys() OWNER TO tenantdb_owner;
CREATE TRIGGER tenantdb_context_mode AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tenantdb_context_keys
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_context_mode_follows_keys();

-- migrate:down
DROP TRIGGER tenantdb_context_mode ON tenantdb_context_keys;
DROP FUNCTION tenantdb_context_mode_follows_keys();
DROP FUNCTION tenantdb_current_tenant();
DROP FUNCTION tenantdb_signed_tenant();
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

SELECT format('tenantdb_context_keys holds %s key(s) but tenantdb_current_tenant() is in %s mode: run '
              'UPDATE tenantdb_context_keys SET key_id = key_id to realign it', keys,
              CASE WHEN keys = 0 THEN 'signed' ELSE 'plain' END) AS problem
FROM (SELECT count(*) AS keys FROM tenantdb_context_keys) AS k
WHERE (keys > 0) <> (SELECT prosrc LIKE '%tenantdb_signed_tenant()%' FROM pg_proc
                     WHERE oid = 'tenantdb_current_tenant()'::regprocedure);
