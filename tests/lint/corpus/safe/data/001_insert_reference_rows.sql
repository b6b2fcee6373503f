-- Inserts plans ON CONFLICT DO NOTHING.
-- Safe: adds rows only; re-runnable.
-- Source: PostgreSQL docs, INSERT ON CONFLICT
-- expect: none
INSERT INTO plans (name, monthly_price) VALUES ('free', 0), ('pro', 29) ON CONFLICT (name) DO NOTHING;
