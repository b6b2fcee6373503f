-- migrate:up
-- Resource lines are one per tenant, month, cost kind and category (not one per server or address): the
-- first build at 10,000 tenants writes about 34,000 lines a month instead of a million. tenantdb report explain
-- recomputes one tenant's per-resource lines live; they add up to the stored line exactly.
COMMENT ON TABLE bi_cost_allocation_lines IS
    'Every allocated amount of a month, with the rule and driver values that produced it: a tenant''s dedicated '
    'resources (one line per cost kind and category, the sum of each resource''s cost rounded to the cent), '
    'shares of cost pools (largest remainder: a pool''s lines add up to its cost to the cent), idle capacity '
    '(charged to the platform operator) and warm-up investment. Rebuilt per month by tenantdb bi refresh; '
    'tenantdb report explain prints the chain, resource by resource. Tenant roles read their own lines without '
    'driver_total and unit_cost (bi_tenant_cost_lines): their share, never the pool.';
COMMENT ON COLUMN bi_cost_allocation_lines.resource_id IS
    'Always NULL since the resource lines are per tenant and category: tenantdb report explain lists the '
    'resources (vps_instance_id, ip_id) behind a line.';
COMMENT ON COLUMN bi_cost_allocation_lines.driver_value IS
    'The member''s weight w_i under the pool''s rule; for a resource line (driver resources), how many resources '
    'it sums.';
COMMENT ON COLUMN bi_cost_allocation_lines.unit_cost IS
    'The cost C of the allocation unit (pool, month, cost kind); for a resource line, the same as amount (the '
    'sum of its resources'' rounded monthly costs). Not granted to tenant roles: a pool''s cost.';
-- migrate:down
COMMENT ON TABLE bi_cost_allocation_lines IS
    'Every allocated amount of a month, with the rule and driver values that produced it: dedicated resources '
    '(one line each), shares of cost pools (largest remainder: a pool''s lines add up to its cost to the cent), '
    'idle capacity (charged to the platform operator) and warm-up investment. Rebuilt per month by tenantdb bi '
    'refresh; tenantdb report explain prints the chain.';
COMMENT ON COLUMN bi_cost_allocation_lines.resource_id IS
    'vps_instance_id or ip_id of a resource line (resource_kind vps or ip); NULL for shares, overhead and idle.';
COMMENT ON COLUMN bi_cost_allocation_lines.driver_value IS 'The member''s weight w_i under the rule.';
COMMENT ON COLUMN bi_cost_allocation_lines.unit_cost IS
    'The cost C of the allocation unit (pool, month, cost kind), or the resource''s unrounded monthly cost for a '
    'resource line.';
