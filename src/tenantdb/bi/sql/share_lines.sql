-- Each member's share of each unit's allocatable cents A = C - idle, by largest remainder on exact integers:
-- base_i = floor(A * w_i / W) cents, remainder_i = A * w_i - base_i * W (the fractions compared exactly, over the
-- same W), and the A - sum(base) leftover cents go one each to the largest remainders, ties by tenant_id. With
-- every weight 0 the rule's fallback applies (fixed_weights, or even), and the line's rule says fallback:<rule>.
-- A share's id is derived from its pool and cost kind (one per member): stable from one refresh to the next.
INSERT INTO bi_cost_allocation_lines (tenant_id, month, line_id, pool_id, resource_kind, resource_id, cost_kind,
                                      category, rule, driver, driver_value, driver_total, unit_cost, amount)
WITH dedicated AS (
    SELECT l.tenant_id, sum(l.amount) AS cost
    FROM bi_cost_allocation_lines l
    WHERE l.tenant_id = ANY (ARRAY(SELECT c.id FROM companies c))  -- tenant by tenant: the key leads with it
      AND l.month = %(month)s::date AND l.rule = 'dedicated'
    GROUP BY l.tenant_id
), members AS (
    SELECT u.pool_id, u.cost_kind, u.rule, u.driver, u.fallback, u.unit_cents, u.overhead_only,
           u.unit_cents - u.idle_cents AS allocatable, m.tenant_id, m.weight AS fixed_weight,
           CASE u.rule
               WHEN 'even' THEN 1
               WHEN 'fixed_weights' THEN m.weight
               WHEN 'proportional_to_cost' THEN coalesce(d.cost, 0)
               WHEN 'usage_driver' THEN CASE u.driver WHEN 'emails_sent' THEN coalesce(g.emails_sent, 0)
                                                      ELSE coalesce(g.emails_delivered, 0) END
           END::numeric AS weight
    FROM bi_month_units u
    JOIN cost_pool_members m ON m.pool_id = u.pool_id
    JOIN companies c ON c.id = m.tenant_id AND NOT c.is_platform_operator
    LEFT JOIN bi_month_usage g ON g.tenant_id = m.tenant_id
    LEFT JOIN dedicated d ON d.tenant_id = m.tenant_id
), totals AS (
    SELECT m.*, sum(m.weight) OVER unit AS total, sum(m.fixed_weight) OVER unit AS fixed_total,
           count(*) OVER unit AS headcount
    FROM members m
    WINDOW unit AS (PARTITION BY m.pool_id, m.cost_kind)
), weighed AS (
    SELECT t.pool_id, t.cost_kind, t.unit_cents, t.overhead_only, t.allocatable, t.tenant_id, a.applied,
           CASE a.applied
               WHEN 'usage_driver' THEN t.driver
               WHEN 'proportional_to_cost' THEN 'dedicated_cost'
               WHEN 'fixed_weights' THEN 'weight'
               WHEN 'fallback:fixed_weights' THEN 'weight'
               ELSE 'member'
           END AS driver,
           CASE a.applied
               WHEN 'fallback:even' THEN 1
               WHEN 'fallback:fixed_weights' THEN t.fixed_weight
               ELSE t.weight
           END AS w,
           CASE a.applied
               WHEN 'fallback:even' THEN t.headcount
               WHEN 'fallback:fixed_weights' THEN t.fixed_total
               ELSE t.total
           END AS total
    FROM totals t
    CROSS JOIN LATERAL (
        SELECT CASE
                   WHEN t.total > 0 THEN t.rule
                   WHEN t.fallback = 'fixed_weights' AND t.fixed_total > 0 THEN 'fallback:fixed_weights'
                   ELSE 'fallback:even'
               END AS applied
    ) a
), split AS (
    SELECT w.*, div(w.allocatable * w.w, w.total) AS base_cents
    FROM weighed w
), ranked AS (
    SELECT s.*,
           s.allocatable - sum(s.base_cents) OVER (PARTITION BY s.pool_id, s.cost_kind) AS leftover,
           row_number() OVER (PARTITION BY s.pool_id, s.cost_kind
                              ORDER BY s.allocatable * s.w - s.base_cents * s.total DESC, s.tenant_id) AS place
    FROM split s
)
SELECT r.tenant_id, %(month)s::date, md5('share/' || r.pool_id || '/' || r.cost_kind)::uuid, r.pool_id,
       CASE WHEN r.overhead_only THEN NULL WHEN r.cost_kind = 'infrastructure' THEN 'vps' ELSE 'ip' END, NULL,
       r.cost_kind,
       CASE WHEN r.overhead_only THEN 'overhead' ELSE 'shared' END,
       r.applied, r.driver, r.w, r.total, r.unit_cents / 100,
       (r.base_cents + CASE WHEN r.place <= r.leftover THEN 1 ELSE 0 END) / 100
FROM ranked r
