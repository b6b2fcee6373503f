-- Creates a tenant table whose composite foreign key references users, with RLS.
-- Safe: a foreign key in CREATE TABLE takes a brief SHARE ROW EXCLUSIVE on users and scans nothing (the new table
--   is empty).
-- Source: PostgreSQL docs, Foreign Keys; Row Security Policies
-- expect: none
CREATE TABLE user_sessions (
    tenant_id uuid NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    user_id bigint NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);
ALTER TABLE user_sessions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_sessions
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
