-- An UPDATE policy on users whose WITH CHECK ignores tenant_id.
-- Unsafe: a tenant can move a row into another tenant by updating tenant_id.
-- Source: PostgreSQL docs, CREATE POLICY
-- expect: require-tenant-with-check
CREATE POLICY users_update ON users FOR UPDATE USING (status <> 'deleted') WITH CHECK (status <> 'deleted');
