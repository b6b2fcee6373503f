-- Up rewrites existing orders' status; down cannot know the old values.
-- Unsafe: the rollback cannot restore what the UPDATE overwrote: the previous statuses are gone.
-- Source: issue 15, reference customer's classes: cannot restore what an UPDATE overwrote
-- expect: ban-irreversible-update
-- migrate:up
UPDATE orders SET status = 'paid' WHERE status = 'pending' AND created_at < '2026-01-01';
-- migrate:down
UPDATE orders SET status = 'pending' WHERE created_at < '2026-01-01';
