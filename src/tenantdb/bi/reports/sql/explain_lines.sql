-- Every allocation line of one tenant and month, with the names of its pool and resource: the chain from the
-- rule and its driver to the amount. Resource lines first, then shares, overhead and idle capacity.
SELECT l.line_id, l.category, l.cost_kind, l.pool_id, cp.name AS pool_name, l.resource_kind, l.resource_id,
       coalesce(v.hostname, host(a.ip)) AS resource_name, l.rule, l.driver, l.driver_value, l.driver_total,
       CASE WHEN l.driver_total > 0 THEN round(l.driver_value / l.driver_total, 6) END AS share,
       round(l.unit_cost, 6) AS unit_cost, l.amount
FROM bi_cost_allocation_lines l
LEFT JOIN cost_pools cp ON cp.pool_id = l.pool_id
LEFT JOIN vps_instances v
       ON l.resource_kind = 'vps' AND v.tenant_id = l.tenant_id AND v.vps_instance_id = l.resource_id
LEFT JOIN smtp_ip_addresses a
       ON l.resource_kind = 'ip' AND a.tenant_id = l.tenant_id AND a.ip_id = l.resource_id
WHERE l.tenant_id = %(tenant_id)s AND l.month = %(month)s
ORDER BY array_position(ARRAY['dedicated', 'warmup_investment', 'shared', 'overhead', 'idle_capacity'], l.category),
         array_position(ARRAY['infrastructure', 'email_service'], l.cost_kind), cp.name, coalesce(v.hostname, host(a.ip)), l.line_id
