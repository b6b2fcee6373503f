-- migrate:up
-- The billing audit trail (docs/billing-audit.md): every INSERT, UPDATE and DELETE on plans, subscriptions,
-- payments and billing_transactions (and any TRUNCATE of them) leaves one row in billing_audit_log, written by a
-- trigger in the writer's own transaction, so it commits or rolls back with the change: who (the login and the
-- role it acted as, application_name), for which tenant (the row's tenant_id; the nil uuid for the shared plans)
-- and in which tenant context, when, and the old and new values as jsonb with secrets redacted. This schema has no
-- invoice table of its own: a tenant's invoice is its payment for a billing period, with the ledger entries that
-- settle or refund it, and both are audited.
--
-- Not core's audit_logs (security 0005): that is the application's activity log, which the tenant roles append to
-- themselves and db_administrators prune; this trail is written only by the triggers and nobody may change or
-- remove a row. It reuses security's machinery: the tenant context (tenantdb_current_tenant()), the tenant
-- policies and the owner role.

-- Columns redacted besides those named *_ciphertext or *_hmac (billing 0008's encrypted and keyed-hash values):
-- administrators may add a name, never remove one (a removal would expose every later value of that column).
CREATE TABLE billing_audit_redactions (
    column_name text        PRIMARY KEY CHECK (length(column_name) BETWEEN 1 AND 63),
    reason      text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE billing_audit_redactions IS
    'Column names whose values billing_audit_log never records (shown as "[redacted]"), in every audited table; '
    'columns named *_ciphertext or *_hmac are redacted without being listed. db_administrators may add names, '
    'never remove them.';
INSERT INTO billing_audit_redactions (column_name, reason) VALUES
    ('stripe_customer_id', 'Stripe''s customer id, encrypted as stripe_customer_ciphertext since billing 0008: '
                           'its plaintext column stays redacted while applications move off it'),
    ('card_number', 'a payment card number (PCI DSS)'),
    ('card_cvc', 'a card security code (PCI DSS)'),
    ('api_key', 'a credential'),
    ('secret', 'a credential'),
    ('password', 'a credential'),
    ('access_token', 'a credential'),
    ('refresh_token', 'a credential');
GRANT SELECT ON billing_audit_redactions TO business_analysts;
GRANT SELECT, INSERT ON billing_audit_redactions TO db_administrators;
ALTER TABLE billing_audit_redactions OWNER TO tenantdb_owner;

-- The shared plans belong to no tenant: their changes are kept under the nil uuid, which no tenant has, so that
-- tenant_id leads the key and distributes the table on Citus like every tenant table.
CREATE TABLE billing_audit_log (
    tenant_id         uuid        NOT NULL,
    audit_id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    seq               bigint      NOT NULL GENERATED ALWAYS AS IDENTITY,
    at                timestamptz NOT NULL DEFAULT clock_timestamp(),
    xact              xid8        NOT NULL DEFAULT pg_current_xact_id(),
    table_name        text        NOT NULL,
    operation         text        NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')),
    row_key           jsonb,
    old_values        jsonb,
    new_values        jsonb,
    changed_columns   text[],
    session_user_name text        NOT NULL,
    current_role_name text        NOT NULL,
    application_name  text        NOT NULL DEFAULT '',
    context_tenant_id uuid,
    PRIMARY KEY (tenant_id, audit_id)
);
COMMENT ON TABLE billing_audit_log IS
    'Append-only trail of every change to plans, subscriptions, payments and billing_transactions, written by the '
    'trigger billing_audit of each (tenantdb_billing_audit()). No role may update, delete, truncate or insert a row '
    'directly: privileges are granted to none, and triggers that fire ALWAYS refuse it even to the owner. Rows '
    'outlive their tenant (no foreign key). Tenant roles read their own tenant''s rows.';
COMMENT ON COLUMN billing_audit_log.tenant_id IS
    'The tenant whose row changed; the nil uuid 00000000-0000-0000-0000-000000000000 (the platform) for plans, the '
    'shared catalog, and for a TRUNCATE.';
COMMENT ON COLUMN billing_audit_log.audit_id IS 'The entry''s id.';
COMMENT ON COLUMN billing_audit_log.seq IS
    'Increasing in the order the entries were written: a counter over every tenant''s changes, which tenant roles '
    'cannot read.';
COMMENT ON COLUMN billing_audit_log.at IS 'When the change was made (clock_timestamp() of the statement''s row).';
COMMENT ON COLUMN billing_audit_log.xact IS 'The writing transaction: the rows of one transaction share it.';
COMMENT ON COLUMN billing_audit_log.table_name IS 'The audited table: plans, subscriptions, payments or billing_transactions.';
COMMENT ON COLUMN billing_audit_log.operation IS 'INSERT, UPDATE or DELETE of one row, or TRUNCATE of the table.';
COMMENT ON COLUMN billing_audit_log.row_key IS 'The changed row''s primary key, e.g. {"tenant_id": ..., "payment_id": ...}.';
COMMENT ON COLUMN billing_audit_log.old_values IS
    'The row before an UPDATE or DELETE, as jsonb, secrets as "[redacted]"; NULL for an INSERT.';
COMMENT ON COLUMN billing_audit_log.new_values IS
    'The row after an INSERT or UPDATE, as jsonb, secrets as "[redacted]"; NULL for a DELETE.';
COMMENT ON COLUMN billing_audit_log.changed_columns IS
    'The columns an UPDATE changed, redacted ones included (a changed secret shows here, never its value).';
COMMENT ON COLUMN billing_audit_log.session_user_name IS 'The login (session_user) of the writing session.';
COMMENT ON COLUMN billing_audit_log.current_role_name IS
    'The role the session acted as (SET ROLE, e.g. application_service), else its login.';
COMMENT ON COLUMN billing_audit_log.application_name IS 'The application_name of the writing session.';
COMMENT ON COLUMN billing_audit_log.context_tenant_id IS
    'The tenant context of the writing transaction (tenantdb_current_tenant()); NULL without one.';
CREATE INDEX billing_audit_log_recent_idx ON billing_audit_log (tenant_id, at);

-- A row of the trail is written only from inside an audit trigger, or by a logical-replication apply (the
-- subscriber of a replicated trail, a major-version upgrade: session_replication_role = replica, which only a
-- superuser or a role granted the setting can set), and never changed or removed. Raised as
-- insufficient_privilege, like the missing grants that stop every role before it gets here.
CREATE FUNCTION tenantdb_billing_audit_is_append_only() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
    IF TG_OP = 'INSERT' AND (pg_trigger_depth() > 1 OR current_setting('session_replication_role') = 'replica') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'billing_audit_log is append-only and written by its triggers: % is refused', TG_OP
        USING ERRCODE = '42501',
              HINT = 'audit rows are never changed or removed, not even by the owner (docs/billing-audit.md)';
END;
$$;
COMMENT ON FUNCTION tenantdb_billing_audit_is_append_only() IS
    'Trigger function on billing_audit_log: refuses UPDATE, DELETE, TRUNCATE and any INSERT that does not come '
    'from an audit trigger or a replication apply, whoever runs it.';
REVOKE EXECUTE ON FUNCTION tenantdb_billing_audit_is_append_only() FROM PUBLIC;
ALTER FUNCTION tenantdb_billing_audit_is_append_only() OWNER TO tenantdb_owner;
CREATE TRIGGER billing_audit_log_is_append_only BEFORE INSERT OR UPDATE OR DELETE ON billing_audit_log
    FOR EACH ROW EXECUTE FUNCTION tenantdb_billing_audit_is_append_only();
CREATE TRIGGER billing_audit_log_is_never_truncated BEFORE TRUNCATE ON billing_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_billing_audit_is_append_only();
-- ALWAYS: session_replication_role = replica (which silences ordinary triggers) does not get past them for an
-- UPDATE, DELETE or TRUNCATE.
ALTER TABLE billing_audit_log
    ENABLE ALWAYS TRIGGER billing_audit_log_is_append_only,
    ENABLE ALWAYS TRIGGER billing_audit_log_is_never_truncated;

-- One row per changed row; the trigger's arguments name the table's primary key columns. SECURITY DEFINER (owned
-- by tenantdb_owner, which bypasses the trail's policies): the roles that write billing tables have no privilege on
-- the trail. Inside it current_user is the owner, so the caller's role is read from the role setting (what SET
-- ROLE set, 'none' without one). The schema is pinned in search_path, so the function is created with the schema
-- the module is installed in.
DO $$
BEGIN
    EXECUTE format($function$
CREATE FUNCTION tenantdb_billing_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, %I, pg_temp
AS $body$
DECLARE
    old_row  jsonb;
    new_row  jsonb;
    some_row jsonb;
    changed  text[];
    listed   text[];
    acting   text := current_setting('role');
BEGIN
    IF acting IS NULL OR acting = 'none' THEN
        acting := session_user;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_row := to_jsonb(OLD);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_row := to_jsonb(NEW);
    END IF;
    some_row := coalesce(new_row, old_row);
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') INTO changed
        FROM jsonb_each(new_row) AS n
        WHERE n.value IS DISTINCT FROM old_row -> n.key;
    END IF;
    SELECT coalesce(array_agg(r.column_name), '{}') INTO listed FROM billing_audit_redactions r;
    INSERT INTO billing_audit_log (tenant_id, table_name, operation, row_key, old_values, new_values,
                                   changed_columns, session_user_name, current_role_name, application_name,
                                   context_tenant_id)
    VALUES (coalesce((some_row ->> 'tenant_id')::uuid, '00000000-0000-0000-0000-000000000000'),
            TG_TABLE_NAME,
            TG_OP,
            (SELECT jsonb_object_agg(k.name, some_row -> k.name ORDER BY k.position)
             FROM unnest(TG_ARGV) WITH ORDINALITY AS k (name, position)),
            tenantdb_billing_audit_redacted(old_row, listed),
            tenantdb_billing_audit_redacted(new_row, listed),
            changed,
            session_user,
            acting,
            coalesce(current_setting('application_name', true), ''),
            tenantdb_current_tenant());
    RETURN NULL;
END;
$body$
$function$, current_schema());
END
$$;
COMMENT ON FUNCTION tenantdb_billing_audit() IS
    'Trigger function on each audited billing table (arguments: its primary key columns): writes one '
    'billing_audit_log row per changed row, or per TRUNCATE.';
REVOKE EXECUTE ON FUNCTION tenantdb_billing_audit() FROM PUBLIC;
ALTER FUNCTION tenantdb_billing_audit() OWNER TO tenantdb_owner;

-- A row as jsonb with the values of its secret columns replaced by "[redacted]" (a NULL stays NULL: there is
-- nothing to hide, and the trail shows that the secret was not set).
CREATE FUNCTION tenantdb_billing_audit_redacted(row_values jsonb, listed text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$
    SELECT jsonb_object_agg(
        c.key,
        CASE WHEN c.value <> 'null'::jsonb
                  AND (c.key LIKE '%\_ciphertext' OR c.key LIKE '%\_hmac' OR c.key = ANY (listed))
             THEN to_jsonb('[redacted]'::text)
             ELSE c.value END)
    FROM jsonb_each(row_values) AS c
$$;
COMMENT ON FUNCTION tenantdb_billing_audit_redacted(jsonb, text[]) IS
    'The row with the values of columns named *_ciphertext, *_hmac or in the given list replaced by "[redacted]".';
REVOKE EXECUTE ON FUNCTION tenantdb_billing_audit_redacted(jsonb, text[]) FROM PUBLIC;
ALTER FUNCTION tenantdb_billing_audit_redacted(jsonb, text[]) OWNER TO tenantdb_owner;

CREATE TRIGGER billing_audit AFTER INSERT OR UPDATE OR DELETE ON plans
    FOR EACH ROW EXECUTE FUNCTION tenantdb_billing_audit('plan_id');
CREATE TRIGGER billing_audit AFTER INSERT OR UPDATE OR DELETE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION tenantdb_billing_audit('tenant_id', 'subscription_id');
CREATE TRIGGER billing_audit AFTER INSERT OR UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION tenantdb_billing_audit('tenant_id', 'payment_id');
CREATE TRIGGER billing_audit AFTER INSERT OR UPDATE OR DELETE ON billing_transactions
    FOR EACH ROW EXECUTE FUNCTION tenantdb_billing_audit('tenant_id', 'transaction_id');
CREATE TRIGGER billing_audit_truncate AFTER TRUNCATE ON plans
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_billing_audit();
CREATE TRIGGER billing_audit_truncate AFTER TRUNCATE ON subscriptions
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_billing_audit();
CREATE TRIGGER billing_audit_truncate AFTER TRUNCATE ON payments
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_billing_audit();
CREATE TRIGGER billing_audit_truncate AFTER TRUNCATE ON billing_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_billing_audit();

-- Tenant roles read their own tenant's rows (never the platform's, whatever tenant context is set), except the tenant context (an operator acting in another tenant's
-- context would name that tenant) and seq (a counter over every tenant's changes); analysts, the refresh
-- and administrators read every row. Nobody is granted INSERT, UPDATE, DELETE or TRUNCATE.
ALTER TABLE billing_audit_log ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON billing_audit_log FOR SELECT TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()) AND tenant_id <> '00000000-0000-0000-0000-000000000000');
CREATE POLICY tenant_guard ON billing_audit_log AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON billing_audit_log FOR SELECT TO business_analysts USING (true);
CREATE POLICY administrators_read ON billing_audit_log FOR SELECT TO db_administrators USING (true);
GRANT SELECT (tenant_id, audit_id, at, xact, table_name, operation, row_key, old_values, new_values,
              changed_columns, session_user_name, current_role_name, application_name)
    ON billing_audit_log TO application_service, tenant_api;
GRANT SELECT ON billing_audit_log TO business_analysts, db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE billing_audit_log OWNER TO tenantdb_owner;

-- migrate:down
DROP TRIGGER billing_audit_truncate ON billing_transactions;
DROP TRIGGER billing_audit_truncate ON payments;
DROP TRIGGER billing_audit_truncate ON subscriptions;
DROP TRIGGER billing_audit_truncate ON plans;
DROP TRIGGER billing_audit ON billing_transactions;
DROP TRIGGER billing_audit ON payments;
DROP TRIGGER billing_audit ON subscriptions;
DROP TRIGGER billing_audit ON plans;
DROP FUNCTION tenantdb_billing_audit_redacted(jsonb, text[]);
DROP FUNCTION tenantdb_billing_audit();
DROP TABLE billing_audit_log;
DROP FUNCTION tenantdb_billing_audit_is_append_only();
DROP TABLE billing_audit_redactions;

-- migrate:verify
SELECT format('role %s may %s billing_audit_log, which is append-only', r.rolname, privilege) AS problem
FROM pg_roles r
CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS privilege
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts', 'db_administrators',
                    'tenantdb_refresh')
  AND has_table_privilege(r.oid, 'billing_audit_log', privilege);

SELECT format('role %s may %s billing_audit_redactions: a removed name would expose that column''s values',
              r.rolname, privilege) AS problem
FROM pg_roles r
CROSS JOIN unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) AS privilege
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts', 'db_administrators',
                    'tenantdb_refresh')
  AND has_table_privilege(r.oid, 'billing_audit_redactions', privilege);

SELECT format('%s is not audited: its trigger billing_audit is missing or disabled', audited) AS problem
FROM unnest(ARRAY['plans', 'subscriptions', 'payments', 'billing_transactions']) AS audited
WHERE NOT EXISTS (
    SELECT FROM pg_trigger t
    WHERE t.tgrelid = to_regclass(audited)
      AND t.tgname = 'billing_audit'
      AND t.tgenabled <> 'D'
);

SELECT format('billing_audit_log''s append-only trigger %s is missing or not ENABLE ALWAYS', wanted) AS problem
FROM unnest(ARRAY['billing_audit_log_is_append_only', 'billing_audit_log_is_never_truncated']) AS wanted
WHERE NOT EXISTS (
    SELECT FROM pg_trigger t
    WHERE t.tgrelid = to_regclass('billing_audit_log')
      AND t.tgname = wanted
      AND t.tgenabled = 'A'
);
