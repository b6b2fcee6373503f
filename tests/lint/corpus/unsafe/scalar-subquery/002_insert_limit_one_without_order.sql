-- Records each tenant's default plan name from a LIMIT 1 subquery without ORDER BY.
-- Unsafe: which plan LIMIT 1 returns is unspecified: it may differ between environments, replicas and runs.
-- Source: PostgreSQL docs, LIMIT and OFFSET (without ORDER BY the subset is unpredictable)
-- expect: ban-unordered-limit-subquery
INSERT INTO audit_logs (tenant_id, action, details)
SELECT id, 'default-plan', jsonb_build_object('plan', (SELECT name FROM plans WHERE monthly_price > 0 LIMIT 1))
FROM tenants;
