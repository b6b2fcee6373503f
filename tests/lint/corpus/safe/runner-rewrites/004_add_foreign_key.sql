-- ADD CONSTRAINT ... FOREIGN KEY on order_items without NOT VALID.
-- Safe: tenantdb's runner rewrites it online by default (online = true): lint reports the rewrite as info, not a
--   failure (NOT VALID, then VALIDATE).
-- Source: tenantdb DESIGN, online rewrites
-- expect: none
ALTER TABLE order_items ADD CONSTRAINT order_items_order_fk2 FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id);
