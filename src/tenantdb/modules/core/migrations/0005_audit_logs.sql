-- migrate:up
CREATE TABLE audit_logs (
    tenant_id     uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    audit_log_id  uuid        NOT NULL DEFAULT gen_random_uuid(),
    actor_user_id uuid,
    actor_email   text,
    action        text        NOT NULL,
    object_type   text        NOT NULL,
    object_id     text,
    details       jsonb       NOT NULL DEFAULT '{}',
    at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, audit_log_id)
);
COMMENT ON TABLE audit_logs IS
    'Append-only history of who did what. actor_user_id has no foreign key on purpose: history outlives users.';
CREATE INDEX audit_logs_recent_idx ON audit_logs (tenant_id, at DESC);

-- migrate:down
DROP TABLE audit_logs;

-- migrate:verify
SELECT 'audit_logs is missing' WHERE to_regclass('audit_logs') IS NULL;
