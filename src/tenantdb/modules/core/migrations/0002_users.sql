-- migrate:up
CREATE TABLE users (
    tenant_id     uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    user_id       uuid        NOT NULL DEFAULT gen_random_uuid(),
    email         text        NOT NULL CHECK (position('@' IN email) > 1),
    full_name     text,
    role          text        NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    status        text        NOT NULL DEFAULT 'active' CHECK (status IN ('invited', 'active', 'disabled')),
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id),
    UNIQUE (tenant_id, email)
);
COMMENT ON TABLE users IS 'People who sign in; an e-mail address is unique within a tenant.';
CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

-- migrate:down
DROP TABLE users;

-- migrate:verify
SELECT 'user ' || user_id || ' has an invalid e-mail' FROM users WHERE position('@' IN email) <= 1;
