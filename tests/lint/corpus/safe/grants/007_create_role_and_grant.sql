-- Creates a NOLOGIN role and grants it SELECT on a view.
-- Safe: the grantee is created first.
-- Source: PostgreSQL docs, CREATE ROLE
-- expect: none
CREATE ROLE support_readers NOLOGIN;
GRANT SELECT ON active_users TO support_readers;
