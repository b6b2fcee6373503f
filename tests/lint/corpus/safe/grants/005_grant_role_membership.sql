-- Makes reporting a member of business_analysts.
-- Safe: both roles exist; membership only.
-- Source: PostgreSQL docs, GRANT role
-- expect: none
GRANT business_analysts TO reporting;
