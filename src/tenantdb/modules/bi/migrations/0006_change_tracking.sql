-- migrate:up
-- Change tracking for `tenantdb bi refresh` (docs/business-metrics.md, "When a month is refreshed"). Every
-- statement that inserts, updates, deletes or truncates an input of the refresh notes the months it affects in
-- bi_changed_months, in the writer's own transaction, so the note commits (or rolls back) with the change; an
-- incremental refresh recomputes the noted months and deletes their notes as the first step of each month's
-- transaction, before it reads anything. Nothing a writer does escapes it: no count, sum or timestamp is compared.
-- A note also says which kind of input changed, so the refresh recomputes only what depends on it (a ledger entry:
-- the customers' figures, not the allocation or the reconciliation).
--
-- Hot paths (a tenant's ledger entries, the roll-up job's deliverability rows) never wait for one another: a note
-- is keyed by month and writing transaction (INSERT ... ON CONFLICT DO NOTHING), so each transaction writes one
-- small row per month it touched and no row is shared between writers; the refresh deletes them.
CREATE TABLE bi_changed_months (
    month     date        NOT NULL CHECK (month = 'infinity' OR month = date_trunc('month', month)::date),
    xact      xid8        NOT NULL,
    input     text        NOT NULL CHECK (input IN ('ledger', 'sending', 'invoices', 'everything')),
    noted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (month, xact, input)
);
COMMENT ON TABLE bi_changed_months IS
    'Months whose inputs changed since their last refresh: one row per month and writing transaction, written by '
    'the triggers of every input table (tenantdb_bi_note_change) and deleted by tenantdb bi refresh as it '
    'recomputes the month. No tenant role may read, write or delete a row: a deleted note would hide a change.';
COMMENT ON COLUMN bi_changed_months.month IS
    'First day of a changed month, or infinity: a change to an input every month reads (a company, plan, '
    'subscription, server, address, pool, member or rule, or any TRUNCATE).';
COMMENT ON COLUMN bi_changed_months.xact IS 'The writing transaction (pg_current_xact_id()).';
COMMENT ON COLUMN bi_changed_months.input IS
    'What changed: ledger (billing_transactions), sending (deliverability_daily), invoices (provider invoices and '
    'their lines), or everything (any other input, a TRUNCATE, a change spread to every month).';
COMMENT ON COLUMN bi_changed_months.noted_at IS
    'When the writing transaction noted the month: the oldest note says how long a change has waited.';
GRANT SELECT ON bi_changed_months TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON bi_changed_months TO db_administrators;
GRANT SELECT, INSERT, DELETE ON bi_changed_months TO tenantdb_refresh;

-- The months each input's rows count in, as the refresh counts them, in one place: deliverability_daily by its
-- day, billing_transactions by occurred_at in UTC, an invoice by its month and an invoice line by its invoice's
-- (a line deleted with its invoice is noted through the invoice). Any other input counts in every month
-- (infinity), and so does a TRUNCATE. A statement's rows are its transition table changed_rows: the new rows of
-- an INSERT, the old ones of a DELETE, and both for an UPDATE (two triggers). SECURITY DEFINER (owned by
-- tenantdb_owner): the tenant roles that write the inputs have no privilege on bi_changed_months; the schema is
-- pinned in search_path, so the function is created with the schema the module is installed in.
DO $$
BEGIN
    EXECUTE format($function$
CREATE FUNCTION tenantdb_bi_note_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, %I, pg_temp
AS $body$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        NULL;  -- every month
    ELSIF TG_TABLE_NAME = 'deliverability_daily' THEN
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT date_trunc('month', r.day)::date, pg_current_xact_id(), 'sending' FROM changed_rows r
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'billing_transactions' THEN
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT date_trunc('month', r.occurred_at AT TIME ZONE 'UTC')::date, pg_current_xact_id(), 'ledger'
        FROM changed_rows r
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'provider_invoices' THEN
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT r.month, pg_current_xact_id(), 'invoices' FROM changed_rows r
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF TG_TABLE_NAME = 'provider_invoice_lines' THEN
        INSERT INTO bi_changed_months (month, xact, input)
        SELECT DISTINCT i.month, pg_current_xact_id(), 'invoices'
        FROM changed_rows r
        JOIN provider_invoices i ON i.invoice_id = r.invoice_id
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    ELSIF NOT EXISTS (SELECT FROM changed_rows) THEN
        RETURN NULL;  -- a statement that changed no row
    END IF;
    INSERT INTO bi_changed_months (month, xact, input) VALUES ('infinity', pg_current_xact_id(), 'everything')
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$body$
$function$, current_schema());
END
$$;
COMMENT ON FUNCTION tenantdb_bi_note_change() IS
    'Trigger function on every input of tenantdb bi refresh: notes the months a statement changed in '
    'bi_changed_months (see the migration bi 0006 for the months of each table).';
REVOKE EXECUTE ON FUNCTION tenantdb_bi_note_change() FROM PUBLIC;
ALTER FUNCTION tenantdb_bi_note_change() OWNER TO tenantdb_owner;

-- Every table the refresh reads (allocation, rollup, reconciliation and the month's summary). ENABLE ALWAYS: the
-- notes are written by a logical-replication apply too (session_replication_role = replica), which the
-- tables' other triggers do not see.
DO $$
DECLARE
    input text;
BEGIN
    FOREACH input IN ARRAY ARRAY['companies', 'plans', 'subscriptions', 'vps_instances', 'smtp_ip_addresses',
                                 'cost_pools', 'cost_pool_members', 'allocation_rules', 'deliverability_daily',
                                 'billing_transactions', 'provider_invoices', 'provider_invoice_lines']
    LOOP
        EXECUTE format('CREATE TRIGGER bi_note_insert AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_bi_note_change()', input);
        EXECUTE format('CREATE TRIGGER bi_note_update_old AFTER UPDATE ON %I REFERENCING OLD TABLE AS changed_rows'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_bi_note_change()', input);
        EXECUTE format('CREATE TRIGGER bi_note_update_new AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_rows'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_bi_note_change()', input);
        EXECUTE format('CREATE TRIGGER bi_note_delete AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_bi_note_change()', input);
        EXECUTE format('CREATE TRIGGER bi_note_truncate AFTER TRUNCATE ON %I'
                       ' FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_bi_note_change()', input);
        EXECUTE format('ALTER TABLE %I ENABLE ALWAYS TRIGGER bi_note_insert, ENABLE ALWAYS TRIGGER bi_note_update_old,'
                       ' ENABLE ALWAYS TRIGGER bi_note_update_new, ENABLE ALWAYS TRIGGER bi_note_delete,'
                       ' ENABLE ALWAYS TRIGGER bi_note_truncate', input);
    END LOOP;
END
$$;

-- A month is also recomputed when it was computed with other definitions (engine version, tolerance) than the
-- refresh's: the fingerprint of the inputs gives way to the definitions alone.
ALTER TABLE bi_refresh_state RENAME COLUMN fingerprint TO definitions;
COMMENT ON TABLE bi_refresh_state IS
    'When each month was last refreshed, and with which definitions: tenantdb bi refresh recomputes a month '
    'noted in bi_changed_months, computed with other definitions, or never refreshed.';
COMMENT ON COLUMN bi_refresh_state.definitions IS
    'The engine version and reconciliation tolerance the month was computed with, e.g. "bi-1 tolerance 0.02".';

-- Every month of a database that upgrades is recomputed once: its rollups were kept by fingerprints, which may
-- have missed a change, and no definitions match the one recorded here.
UPDATE bi_refresh_state SET definitions = 'fingerprint (before bi 0006)';

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE bi_changed_months OWNER TO tenantdb_owner;

-- migrate:down
DO $$
DECLARE
    input text;
BEGIN
    FOREACH input IN ARRAY ARRAY['companies', 'plans', 'subscriptions', 'vps_instances', 'smtp_ip_addresses',
                                 'cost_pools', 'cost_pool_members', 'allocation_rules', 'deliverability_daily',
                                 'billing_transactions', 'provider_invoices', 'provider_invoice_lines']
    LOOP
        EXECUTE format('DROP TRIGGER bi_note_insert ON %I', input);
        EXECUTE format('DROP TRIGGER bi_note_update_old ON %I', input);
        EXECUTE format('DROP TRIGGER bi_note_update_new ON %I', input);
        EXECUTE format('DROP TRIGGER bi_note_delete ON %I', input);
        EXECUTE format('DROP TRIGGER bi_note_truncate ON %I', input);
    END LOOP;
END
$$;
DROP FUNCTION tenantdb_bi_note_change();
DROP TABLE bi_changed_months;
-- The fingerprints are gone: every month differs from its fingerprint and is refreshed once.
UPDATE bi_refresh_state SET definitions = '';
ALTER TABLE bi_refresh_state RENAME COLUMN definitions TO fingerprint;
COMMENT ON COLUMN bi_refresh_state.fingerprint IS NULL;
COMMENT ON TABLE bi_refresh_state IS
    'When each month was last refreshed, and a fingerprint of its inputs then: tenantdb bi refresh skips months '
    'whose inputs have not changed.';

-- migrate:verify
SELECT format('%I has no %s trigger noting changed months for tenantdb bi refresh (bi 0006): an incremental '
              'refresh would miss its changes; `tenantdb bi refresh --all` is exact', input, trigger) AS problem
FROM unnest(ARRAY['companies', 'plans', 'subscriptions', 'vps_instances', 'smtp_ip_addresses', 'cost_pools',
                  'cost_pool_members', 'allocation_rules', 'deliverability_daily', 'billing_transactions',
                  'provider_invoices', 'provider_invoice_lines']) AS input
CROSS JOIN unnest(ARRAY['bi_note_insert', 'bi_note_update_old', 'bi_note_update_new', 'bi_note_delete',
                        'bi_note_truncate']) AS trigger
WHERE NOT EXISTS (
    SELECT FROM pg_trigger t
    WHERE t.tgrelid = to_regclass(input)
      AND t.tgname = trigger
      AND t.tgenabled = 'A'
      AND t.tgfoid = 'tenantdb_bi_note_change()'::regprocedure
);

SELECT format('role %s may %s bi_changed_months: a tenant could hide a change from the BI refresh',
              r.rolname, lower(privilege)) AS problem
FROM pg_roles r
CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS privilege
WHERE r.rolname IN ('application_service', 'tenant_api')
  AND has_table_privilege(r.oid, 'bi_changed_months', privilege);
