-- The allocation units of the month %(month)s: each cost pool x cost kind with its rule (the latest effective
-- on or before the month; even without one), its cost C in cents (the pool's cost-bearing resources but warming
-- IPs, plus monthly_overhead for infrastructure), the operator that carries idle capacity, its members (customers
-- only), what they sent (U) and the capacity of its servers (K), and the idle cents: all of C without members,
-- round(C * (1 - U / K)) for a usage_driver pool, computed on integers so the rounding is exact.
CREATE TEMPORARY TABLE bi_month_units ON COMMIT DROP AS
WITH rules AS (
    SELECT DISTINCT ON (r.pool_id) r.pool_id, r.rule, r.driver, r.fallback
    FROM allocation_rules r
    WHERE r.effective_from <= %(month)s::date
    ORDER BY r.pool_id, r.effective_from DESC
), pooled AS (
    SELECT r.pool_id, r.cost_kind, sum(r.monthly_cost) AS resource_cost
    FROM pg_temp.bi_month_resources(%(month)s::date) r
    WHERE r.cost_bearing AND r.tenancy = 'shared' AND r.pool_id IS NOT NULL AND NOT r.warming
    GROUP BY r.pool_id, r.cost_kind
), servers AS (
    SELECT r.pool_id, sum(r.capacity::numeric * 24 * r.active_days) AS capacity,
           (array_agg(r.tenant_id ORDER BY r.tenant_id))[1] AS owner
    FROM pg_temp.bi_month_resources(%(month)s::date) r
    WHERE r.resource_kind = 'vps' AND r.cost_bearing AND r.tenancy = 'shared' AND r.pool_id IS NOT NULL
    GROUP BY r.pool_id
), members AS (
    SELECT m.pool_id, count(*) AS members, coalesce(sum(u.emails_sent), 0) AS used
    FROM cost_pool_members m
    JOIN companies c ON c.id = m.tenant_id AND NOT c.is_platform_operator
    LEFT JOIN bi_month_usage u ON u.tenant_id = m.tenant_id
    GROUP BY m.pool_id
), operators AS (
    SELECT (array_agg(c.id ORDER BY c.id))[1] AS id FROM companies c WHERE c.is_platform_operator
), units AS (
    SELECT p.pool_id, k.cost_kind, coalesce(r.rule, 'even') AS rule, r.driver, coalesce(r.fallback, 'even') AS fallback,
           round(coalesce(c.resource_cost, 0)
                 + CASE WHEN k.cost_kind = 'infrastructure' THEN p.monthly_overhead ELSE 0 END, 2) * 100 AS unit_cents,
           coalesce(c.resource_cost, 0) = 0 AS overhead_only,
           coalesce(s.owner, o.id) AS operator_id,
           coalesce(m.members, 0) AS members,
           coalesce(m.used, 0)::numeric AS used,
           coalesce(s.capacity, 0) AS capacity
    FROM cost_pools p
    CROSS JOIN (VALUES ('infrastructure'), ('email_service')) AS k (cost_kind)
    CROSS JOIN operators o
    LEFT JOIN rules r ON r.pool_id = p.pool_id
    LEFT JOIN pooled c ON c.pool_id = p.pool_id AND c.cost_kind = k.cost_kind
    LEFT JOIN servers s ON s.pool_id = p.pool_id
    LEFT JOIN members m ON m.pool_id = p.pool_id
)
SELECT u.*,
       CASE
           WHEN u.members = 0 THEN u.unit_cents
           WHEN u.rule = 'usage_driver' AND u.capacity > 0 AND u.used < u.capacity
               THEN div(2 * u.unit_cents * (u.capacity - u.used) + u.capacity, 2 * u.capacity)
           ELSE 0
       END AS idle_cents
FROM units u
WHERE u.unit_cents > 0
