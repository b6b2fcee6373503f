-- An INSERT policy on orders WITH CHECK (true).
-- Unsafe: any tenant can insert rows into another tenant's space.
-- Source: PostgreSQL docs, CREATE POLICY (WITH CHECK)
-- expect: require-tenant-with-check
CREATE POLICY orders_insert ON orders FOR INSERT WITH CHECK (true);
