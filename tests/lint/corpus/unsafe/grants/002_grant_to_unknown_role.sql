-- Grants SELECT on orders to a role no migration creates.
-- Unsafe: PostgreSQL rejects the grant on every fresh database: the migration stops halfway.
-- Source: PostgreSQL docs, GRANT; CREATE ROLE
-- expect: ban-grant-to-unknown-role
-- postgresql: rejects 42704
GRANT SELECT ON orders TO executive_dashboard;
