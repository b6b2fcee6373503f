-- migrate:up
CREATE TABLE teams (
    tenant_id  uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    team_id    uuid        NOT NULL DEFAULT gen_random_uuid(),
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, team_id),
    UNIQUE (tenant_id, name)
);
CREATE TRIGGER teams_touch_updated_at BEFORE UPDATE ON teams
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

CREATE TABLE team_members (
    tenant_id  uuid        NOT NULL,
    team_id    uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    role       text        NOT NULL DEFAULT 'member' CHECK (role IN ('lead', 'member')),
    joined_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, team_id, user_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, team_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, user_id) ON DELETE CASCADE
);
CREATE INDEX team_members_user_idx ON team_members (tenant_id, user_id);

-- migrate:down
DROP TABLE team_members;
DROP TABLE teams;

-- migrate:verify
SELECT 'team member ' || m.user_id || ' belongs to another tenant than the team'
FROM team_members m
WHERE NOT EXISTS (SELECT FROM teams t WHERE t.tenant_id = m.tenant_id AND t.team_id = m.team_id);
