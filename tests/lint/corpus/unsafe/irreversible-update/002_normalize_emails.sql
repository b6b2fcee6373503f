-- Up lower-cases existing e-mail addresses; down does nothing.
-- Unsafe: the original spelling is lost and the down section pretends to undo the migration.
-- Source: issue 15, reference customer's classes: cannot restore what an UPDATE overwrote
-- expect: ban-irreversible-update
-- migrate:up
UPDATE users SET email = lower(email) WHERE email <> lower(email);
-- migrate:down
SELECT 1;
