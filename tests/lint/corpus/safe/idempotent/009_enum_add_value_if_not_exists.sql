-- ALTER TYPE ... ADD VALUE IF NOT EXISTS.
-- Safe: adding an enum value is catalog-only (PostgreSQL 12+ in a transaction too).
-- Source: PostgreSQL docs, ALTER TYPE ADD VALUE
-- expect: none
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'cancelled';
