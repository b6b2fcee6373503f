-- migrate:up
INSERT INTO tenants (name, status)
SELECT 'Tenant ' || n || CASE WHEN n % 7 = 0 THEN ' — Zürich' ELSE '' END,
       CASE WHEN n % 10 = 0 THEN 'trial' ELSE 'active' END
FROM generate_series(1, 200) AS n;

INSERT INTO subscriptions (tenant_id, plan_id)
SELECT t.tenant_id,
       (SELECT plan_id FROM plans
        WHERE name = CASE WHEN t.status = 'trial' THEN 'Free'
                          WHEN hashtext(t.name) % 4 = 0 THEN 'Scale'
                          ELSE 'Growth' END)
FROM tenants t;

-- migrate:down
DELETE FROM subscriptions;
DELETE FROM tenants;

-- migrate:verify
SELECT 'tenant ' || t.name || ' has no subscription'
FROM tenants t
WHERE NOT EXISTS (SELECT FROM subscriptions s WHERE s.tenant_id = t.tenant_id);
