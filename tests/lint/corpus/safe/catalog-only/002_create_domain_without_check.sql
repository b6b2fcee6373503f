-- Creates a domain without a CHECK.
-- Safe: nothing to validate now or later.
-- Source: squawk docs, ban-create-domain-with-constraint (the safe form)
-- expect: none
CREATE DOMAIN hostname AS text;
