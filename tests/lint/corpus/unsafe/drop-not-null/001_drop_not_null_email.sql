-- Makes users.email nullable.
-- Unsafe: application code and PL/pgSQL that assume email is never NULL start failing on the first NULL.
-- Source: squawk docs, ban-drop-not-null; pgroll docs, alter_column drop_not_null_constraint
-- expect: ban-drop-not-null
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
