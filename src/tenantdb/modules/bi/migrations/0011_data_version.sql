-- migrate:up
-- The data version the server's response cache and the dashboard's live refresh read in O(1) (docs/server.md,
-- "Caching"): a few counters, bumped in the transaction of every change the reports show, so that a reader's
-- snapshot sees exactly the bumps of the changes it sees (a sequence would be bumped before its commit: a reader
-- could key fresh-looking data it cannot see yet). Slots 0-15 count commits that wrote business events or the
-- operator's records (actions, decisions); a writer bumps the slot of its backend (pg_backend_pid() % 16), once per
-- transaction and at commit time (a deferred trigger), so concurrent writers rarely share a row and never hold one
-- longer than their commit. Slot 16 counts refreshes (bi_refresh_state), the only component a tenant role may read.
-- tenantdb: ignore[prefer-bigint-over-int] 17 fixed slots, checked, referenced by nothing
CREATE TABLE bi_data_version (
    slot  smallint PRIMARY KEY CHECK (slot BETWEEN 0 AND 16),
    bumps bigint   NOT NULL DEFAULT 0 CHECK (bumps >= 0)
);
INSERT INTO bi_data_version (slot) SELECT generate_series(0, 16);
COMMENT ON TABLE bi_data_version IS
    'Counters of committed changes: slots 0-15 business events, actions and decisions (the writer''s backend picks '
    'the slot), slot 16 refreshes. sum(bumps) is the operators'' data version; slot 16 alone a tenant''s.';

CREATE FUNCTION tenantdb_bump_data_version() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    which smallint := CASE WHEN TG_ARGV[0] = 'refresh' THEN 16 ELSE pg_backend_pid() % 16 END;
    flag text := 'tenantdb.data_version_bumped_' || which;
BEGIN
    IF coalesce(current_setting(flag, true), '') <> 'on' THEN  -- once per transaction and slot
        UPDATE bi_data_version SET bumps = bumps + 1 WHERE slot = which;
        PERFORM set_config(flag, 'on', true);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION tenantdb_bump_data_version() IS
    'Trigger: bumps a bi_data_version slot once per transaction (argument refresh: slot 16, else the backend''s).';
REVOKE ALL ON FUNCTION tenantdb_bump_data_version() FROM PUBLIC;

-- Deferred to the commit: the slot's row lock lasts for the commit only, however long the writer's transaction.
CREATE CONSTRAINT TRIGGER business_events_data_version AFTER INSERT ON business_events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tenantdb_bump_data_version();
CREATE CONSTRAINT TRIGGER cost_optimizations_data_version AFTER INSERT OR UPDATE OR DELETE ON cost_optimizations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tenantdb_bump_data_version();
CREATE CONSTRAINT TRIGGER strategic_decisions_data_version AFTER INSERT OR UPDATE OR DELETE ON strategic_decisions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tenantdb_bump_data_version();
CREATE TRIGGER bi_refresh_state_data_version AFTER INSERT OR UPDATE OR DELETE ON bi_refresh_state
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_bump_data_version('refresh');

CREATE FUNCTION tenantdb_refresh_version() RETURNS bigint
LANGUAGE sql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT bumps FROM bi_data_version WHERE slot = 16 $$;
COMMENT ON FUNCTION tenantdb_refresh_version() IS
    'How many refreshes committed: the component of the data version a tenant role may read (when the platform''s '
    'rollups were recomputed, nothing of another tenant''s activity).';
REVOKE ALL ON FUNCTION tenantdb_refresh_version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantdb_refresh_version() TO tenant_api, application_service, business_analysts,
    db_administrators;
GRANT SELECT ON bi_data_version TO business_analysts, db_administrators;

ALTER TABLE bi_data_version OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_bump_data_version() OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_refresh_version() OWNER TO tenantdb_owner;

-- migrate:down
DROP TRIGGER bi_refresh_state_data_version ON bi_refresh_state;
DROP TRIGGER strategic_decisions_data_version ON strategic_decisions;
DROP TRIGGER cost_optimizations_data_version ON cost_optimizations;
DROP TRIGGER business_events_data_version ON business_events;
DROP FUNCTION tenantdb_refresh_version();
DROP FUNCTION tenantdb_bump_data_version();
DROP TABLE bi_data_version;

-- migrate:verify
SELECT 'bi_data_version has ' || count(*) || ' slots, not 17' FROM bi_data_version HAVING count(*) <> 17;
