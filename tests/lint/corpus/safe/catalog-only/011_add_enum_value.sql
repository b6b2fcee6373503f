-- ALTER TYPE ... ADD VALUE AFTER an existing value.
-- Safe: catalog-only.
-- Source: PostgreSQL docs, ALTER TYPE ADD VALUE
-- expect: none
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'disputed' AFTER 'paid';
