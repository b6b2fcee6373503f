-- Creates an enum type.
-- Safe: catalog-only.
-- Source: PostgreSQL docs, CREATE TYPE
-- expect: none
CREATE TYPE delivery_outcome AS ENUM ('delivered', 'bounced', 'deferred', 'complained');
