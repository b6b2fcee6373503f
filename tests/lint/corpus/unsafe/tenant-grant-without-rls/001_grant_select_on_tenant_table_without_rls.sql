-- Creates a table with tenant_id and no RLS, and grants SELECT to the tenant-facing role.
-- Unsafe: one tenant's session reads every tenant's rows.
-- Source: issue 15, reference customer's classes: a grant that gives one tenant-facing role every tenant's rows
-- expect: ban-tenant-role-grant-without-rls, require-rls-on-tenant-table
CREATE TABLE usage_summaries (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    month date NOT NULL,
    emails_sent bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, month)
);
GRANT SELECT ON usage_summaries TO tenant_api;
