-- Adds a RESTRICTIVE policy hiding soft-deleted users.
-- Safe: restrictive policies only narrow what permissive ones allow.
-- Source: PostgreSQL docs, CREATE POLICY AS RESTRICTIVE
-- expect: none
CREATE POLICY hide_deleted ON users AS RESTRICTIVE FOR SELECT
    USING (status <> 'deleted');
