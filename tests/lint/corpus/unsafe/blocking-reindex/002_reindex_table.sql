-- Rebuilds every index of users without CONCURRENTLY.
-- Unsafe: every index of users is rebuilt under blocking locks.
-- Source: squawk docs, require-concurrent-reindex
-- expect: require-concurrent-reindex
REINDEX TABLE users;
