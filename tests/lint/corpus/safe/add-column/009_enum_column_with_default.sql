-- Adds a column of the existing enum type with a constant default.
-- Safe: no rewrite for a constant default.
-- Source: PostgreSQL docs, ALTER TABLE ADD COLUMN
-- expect: none
ALTER TABLE order_items ADD COLUMN item_status order_status NOT NULL DEFAULT 'pending';
