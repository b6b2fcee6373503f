-- Truncates users with CASCADE.
-- Unsafe: CASCADE also empties every table referencing users (orders, order_items).
-- Source: squawk docs, ban-truncate-cascade
-- expect: ban-truncate
TRUNCATE users CASCADE;
