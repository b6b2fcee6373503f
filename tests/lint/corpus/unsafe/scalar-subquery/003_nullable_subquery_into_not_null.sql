-- Inserts a user whose tenant_id comes from a subquery that may find no tenant.
-- Unsafe: on an empty database the subquery returns NULL and the INSERT fails on NOT NULL; in development it
--   worked.
-- Source: issue 15, reference customer's classes: a scalar subquery that may return no row
-- expect: ban-nullable-scalar-subquery-insert
-- postgresql: rejects 23502
INSERT INTO users (tenant_id, email) VALUES ((SELECT id FROM tenants WHERE name = 'internal'), 'ops@example.com');
