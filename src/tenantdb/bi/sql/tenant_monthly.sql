-- One row per customer for the month %(month)s, with or without activity (a customer on a $99 plan that sent
-- nothing still counts in the executive summary, whose revenue is the plan price): allocated cost by kind, recognized revenue (the ledger: charges less refunds and credits, plus
-- adjustments; payments are never cost), volume, the capacity of its dedicated servers, and its current plan.
INSERT INTO bi_tenant_monthly (tenant_id, month, company_name, plan_id, plan_name, price_monthly,
                               current_period_start, current_period_end, recognized_revenue, infrastructure_cost,
                               email_service_cost, total_cost, emails_sent, emails_delivered, emails_bounced,
                               spam_complaints, dedicated_capacity, refreshed_at, subscription_status)
WITH costs AS (
    SELECT l.tenant_id,
           coalesce(sum(l.amount) FILTER (WHERE l.cost_kind = 'infrastructure'), 0) AS infrastructure_cost,
           coalesce(sum(l.amount) FILTER (WHERE l.cost_kind = 'email_service'), 0) AS email_service_cost
    FROM bi_cost_allocation_lines l
    WHERE l.tenant_id = ANY (ARRAY(SELECT c.id FROM companies c))  -- tenant by tenant: the key leads with it
      AND l.month = %(month)s::date
    GROUP BY l.tenant_id
), revenue AS (
    SELECT t.tenant_id, sum(t.amount) AS recognized_revenue
    FROM billing_transactions t
    WHERE t.currency = 'USD'
      AND t.occurred_at >= %(month)s::date::timestamp AT TIME ZONE 'UTC'
      AND t.occurred_at < (%(month)s::date + interval '1 month')::timestamp AT TIME ZONE 'UTC'
    GROUP BY t.tenant_id
), capacity AS (
    SELECT r.tenant_id, sum(r.capacity::bigint * 24 * r.active_days) AS dedicated_capacity
    FROM pg_temp.bi_month_resources(%(month)s::date) r
    WHERE r.resource_kind = 'vps' AND r.tenancy = 'dedicated' AND r.cost_bearing
    GROUP BY r.tenant_id
), plans_now AS (
    SELECT DISTINCT ON (s.tenant_id) s.tenant_id, s.plan_id, p.name AS plan_name, p.price_monthly,
           s.current_period_start, s.current_period_end, s.status
    FROM subscriptions s
    JOIN plans p ON p.plan_id = s.plan_id
    WHERE s.status IN ('active', 'trialing', 'past_due')
    ORDER BY s.tenant_id, s.current_period_start DESC, s.subscription_id
)
SELECT c.id, %(month)s::date, c.name, p.plan_id, p.plan_name, coalesce(p.price_monthly, 0),
       p.current_period_start, p.current_period_end,
       coalesce(v.recognized_revenue, 0),
       coalesce(k.infrastructure_cost, 0), coalesce(k.email_service_cost, 0),
       coalesce(k.infrastructure_cost, 0) + coalesce(k.email_service_cost, 0),
       coalesce(u.emails_sent, 0), coalesce(u.emails_delivered, 0), coalesce(u.emails_bounced, 0),
       coalesce(u.spam_complaints, 0), coalesce(d.dedicated_capacity, 0), now(), p.status
FROM companies c
LEFT JOIN costs k ON k.tenant_id = c.id
LEFT JOIN revenue v ON v.tenant_id = c.id
LEFT JOIN bi_month_usage u ON u.tenant_id = c.id
LEFT JOIN capacity d ON d.tenant_id = c.id
LEFT JOIN plans_now p ON p.tenant_id = c.id
WHERE NOT c.is_platform_operator
