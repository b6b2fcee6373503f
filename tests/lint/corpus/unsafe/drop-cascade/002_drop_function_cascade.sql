-- Drops a trigger function with CASCADE.
-- Unsafe: every trigger using it disappears silently.
-- Source: PostgreSQL docs, DROP FUNCTION; Dependency Tracking
-- expect: ban-drop-cascade
DROP FUNCTION touch_created_at() CASCADE;
