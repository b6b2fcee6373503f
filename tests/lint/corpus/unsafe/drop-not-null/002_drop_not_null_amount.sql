-- Makes orders.amount nullable.
-- Unsafe: sums and comparisons that relied on NOT NULL now return NULL for the whole expression.
-- Source: squawk docs, ban-drop-not-null
-- expect: ban-drop-not-null
ALTER TABLE orders ALTER amount DROP NOT NULL;
