-- Creates a table whose settings column is json.
-- Unsafe: no equality operator for json: GROUP BY settings and DISTINCT fail at run time.
-- Source: PostgreSQL docs, JSON Types (jsonb supports equality and indexing)
-- expect: prefer-jsonb-over-json
CREATE TABLE feature_presets (
    name text PRIMARY KEY,
    settings json NOT NULL DEFAULT '{}'
);
