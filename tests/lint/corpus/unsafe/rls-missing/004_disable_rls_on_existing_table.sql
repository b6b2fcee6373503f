-- Disables row-level security on orders.
-- Unsafe: every tenant sees every tenant's orders.
-- Source: PostgreSQL docs, ALTER TABLE DISABLE ROW LEVEL SECURITY
-- expect: require-rls-on-tenant-table
ALTER TABLE orders DISABLE ROW LEVEL SECURITY;
