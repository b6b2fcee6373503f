-- Creates a table with a json column.
-- Unsafe: json has no equality operator: SELECT DISTINCT, UNION and GROUP BY over it fail; jsonb is the type to
--   use.
-- Source: strong_migrations README, dangerous operations, adding a json column; PostgreSQL docs, JSON Types
-- expect: prefer-jsonb-over-json
CREATE TABLE webhook_deliveries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload json NOT NULL,
    delivered_at timestamptz
);
