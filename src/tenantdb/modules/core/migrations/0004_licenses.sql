-- migrate:up
CREATE TABLE licenses (
    tenant_id   uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    license_id  uuid        NOT NULL DEFAULT gen_random_uuid(),
    product     text        NOT NULL,
    seats_total integer     NOT NULL CHECK (seats_total > 0),
    seats_used  integer     NOT NULL DEFAULT 0 CHECK (seats_used >= 0),
    valid_from  timestamptz NOT NULL DEFAULT now(),
    valid_until timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, license_id),
    CONSTRAINT licenses_seats_within_total CHECK (seats_used <= seats_total),
    CONSTRAINT licenses_period_ordered CHECK (valid_until IS NULL OR valid_until > valid_from)
);
COMMENT ON COLUMN licenses.seats_used IS 'Seats assigned; never more than seats_total (enforced by a CHECK).';
CREATE TRIGGER licenses_touch_updated_at BEFORE UPDATE ON licenses
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

-- migrate:down
DROP TABLE licenses;

-- migrate:verify
SELECT 'license ' || license_id || ' uses more seats than it has' FROM licenses WHERE seats_used > seats_total;
