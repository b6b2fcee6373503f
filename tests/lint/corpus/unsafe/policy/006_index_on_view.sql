-- Creates an index on the view active_users.
-- Unsafe: PostgreSQL rejects indexes on (non-materialized) views.
-- Source: PostgreSQL docs, CREATE INDEX
-- expect: ban-index-on-view
-- postgresql: rejects 42809
CREATE INDEX active_users_email_idx ON active_users (email);
