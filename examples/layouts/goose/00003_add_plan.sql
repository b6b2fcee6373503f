-- +goose Up
ALTER TABLE tenants ADD COLUMN plan text NOT NULL DEFAULT 'free';
-- +goose StatementBegin
CREATE FUNCTION tenant_plan(tenant uuid) RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT plan FROM tenants WHERE id = tenant);
END;
$$;
-- +goose StatementEnd
INSERT INTO tenants (name, plan) VALUES ('Acme Mail — Zürich', 'pro');

-- +goose Down
DROP FUNCTION tenant_plan(uuid);
DELETE FROM tenants WHERE name = 'Acme Mail — Zürich';
ALTER TABLE tenants DROP COLUMN plan;
