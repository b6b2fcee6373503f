-- One row per customer for the month %(month)s, with or without activity (a customer on a $99 plan that sent
-- nothing still counts in the executive summary, whose revenue is the plan price): allocated cost by kind, revenue
-- on both bases and deferred revenue in the reporting currency, with the entries that could not be converted
-- (docs/business-metrics.md, "Revenue: recognized, cash and deferred" and "Currencies"; payments are never cost),
-- volume, the capacity of its dedicated servers, and its current plan.
INSERT INTO bi_tenant_monthly (tenant_id, month, company_name, plan_id, plan_name, price_monthly,
                               current_period_start, current_period_end, recognized_revenue, cash_revenue,
                               deferred_revenue, unconverted_entries, unconverted_currencies, infrastructure_cost,
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
), bounds AS (
    SELECT %(month)s::date AS first_day, (%(month)s::date + interval '1 month')::date AS next_first_day
), entries AS (
    -- The entries that move the month's figures: dated in it (cash), recognized in it, or billed and recognized on
    -- different sides of its end (deferred). An entry billed and fully recognized by the month's end, or neither,
    -- leaves its deferred revenue unchanged. Amounts in the reporting currency %(currency)s: another currency is
    -- converted at the latest rate on or before the day the entry occurred, rounded to the cent; NULL without one
    -- (counted as unconverted, never summed).
    SELECT e.tenant_id, e.transaction_id, e.currency, e.occurred_on, e.period_start, e.period_end,
           CASE WHEN e.currency = %(currency)s THEN e.amount ELSE round(e.amount * x.rate, 2) END AS amount
    FROM billing_transaction_periods e
    CROSS JOIN bounds b
    LEFT JOIN LATERAL (
        SELECT r.rate
        FROM fx_rates r
        WHERE r.base_currency = e.currency AND r.quote_currency = %(currency)s AND r.rate_date <= e.occurred_on
        ORDER BY r.rate_date DESC
        LIMIT 1
    ) x ON e.currency <> %(currency)s
    WHERE e.occurred_on >= b.first_day AND e.occurred_on < b.next_first_day
       OR e.period_start < b.next_first_day AND e.period_end > b.first_day
       OR e.occurred_on < b.next_first_day AND e.period_end > b.next_first_day
       OR e.occurred_on >= b.next_first_day AND e.period_start < b.next_first_day
), weighted AS (
    -- Each month an entry's service period covers, weighted by the share of the month it covers: days covered x
    -- (377580 / days in the month); 377580 is the least common multiple of 28, 29, 30 and 31, so weights are whole
    -- numbers and the split below is exact.
    SELECT e.tenant_id, e.transaction_id, e.amount, m.month,
           (least(e.period_end, m.next_month) - greatest(e.period_start, m.month)) * (377580 / (m.next_month - m.month))
               AS weight
    FROM entries e
    CROSS JOIN LATERAL (
        SELECT g.day::date AS month, (g.day + interval '1 month')::date AS next_month
        FROM generate_series(date_trunc('month', e.period_start::timestamp), (e.period_end - 1)::timestamp,
                             interval '1 month') AS g (day)
    ) m
    WHERE e.period_start IS NOT NULL AND e.amount IS NOT NULL
), split AS (
    -- Largest remainder in cents: each month gets the whole cents of its exact share of |amount|, the cents left
    -- over go one each to the months with the largest remainders, the earliest month first on a tie.
    SELECT w.*, sum(w.base) OVER entry AS based,
           row_number() OVER (PARTITION BY w.tenant_id, w.transaction_id ORDER BY w.remainder DESC, w.month) AS rank
    FROM (
        SELECT w.tenant_id, w.transaction_id, w.amount, w.month,
               div(abs(w.amount) * 100 * w.weight, sum(w.weight) OVER entry) AS base,
               mod(abs(w.amount) * 100 * w.weight, sum(w.weight) OVER entry) AS remainder
        FROM weighted w
        WINDOW entry AS (PARTITION BY w.tenant_id, w.transaction_id)
    ) w
    WINDOW entry AS (PARTITION BY w.tenant_id, w.transaction_id)
), pieces AS (
    SELECT s.tenant_id, s.transaction_id, s.month,
           sign(s.amount) * (s.base + CASE WHEN s.rank <= abs(s.amount) * 100 - s.based THEN 1 ELSE 0 END) / 100
               AS amount
    FROM split s
), recognized AS (
    SELECT p.tenant_id, p.transaction_id,
           sum(p.amount) FILTER (WHERE p.month = b.first_day) AS in_month,
           sum(p.amount) FILTER (WHERE p.month <= b.first_day) AS to_date
    FROM pieces p, bounds b
    GROUP BY p.tenant_id, p.transaction_id
), revenue AS (
    SELECT e.tenant_id,
           coalesce(sum(e.amount) FILTER (WHERE e.occurred_on >= b.first_day AND e.occurred_on < b.next_first_day),
                    0) AS cash_revenue,
           coalesce(sum(e.amount) FILTER (WHERE e.period_start IS NULL AND e.occurred_on >= b.first_day
                                                AND e.occurred_on < b.next_first_day), 0)
               + coalesce(sum(r.in_month), 0) AS recognized_revenue,
           coalesce(sum(e.amount) FILTER (WHERE e.period_start IS NOT NULL AND e.occurred_on < b.next_first_day), 0)
               - coalesce(sum(r.to_date), 0) AS deferred_revenue,
           count(*) FILTER (WHERE e.amount IS NULL) AS unconverted_entries,
           coalesce(array_agg(DISTINCT e.currency ORDER BY e.currency) FILTER (WHERE e.amount IS NULL), '{}')
               AS unconverted_currencies
    FROM entries e
    CROSS JOIN bounds b
    LEFT JOIN recognized r ON r.tenant_id = e.tenant_id AND r.transaction_id = e.transaction_id
    GROUP BY e.tenant_id
), capacity AS (
    SELECT r.tenant_id, sum(r.capacity::bigint * 24 * r.active_days) AS dedicated_capacity
    FROM pg_temp.bi_month_resources(%(month)s::date) r
    WHERE r.resource_kind = 'vps' AND r.tenancy = 'dedicated' AND r.cost_bearing
    GROUP BY r.tenant_id
), plans_now AS (
    -- The current plan, its list price in the reporting currency: another currency is converted at the latest rate
    -- on or before the month's last day (as invoices are), rounded to the cent; NULL without one (the plan's
    -- currency is then listed as unconverted, and the price is never compared with a cost in dollars).
    SELECT DISTINCT ON (s.tenant_id) s.tenant_id, s.plan_id, p.name AS plan_name, p.currency,
           CASE WHEN p.currency = %(currency)s THEN p.price_monthly ELSE round(p.price_monthly * x.rate, 2) END
               AS price_monthly,
           s.current_period_start, s.current_period_end, s.status
    FROM subscriptions s
    JOIN plans p ON p.plan_id = s.plan_id
    LEFT JOIN LATERAL (
        SELECT r.rate
        FROM fx_rates r
        WHERE r.base_currency = p.currency AND r.quote_currency = %(currency)s
          AND r.rate_date < (%(month)s::date + interval '1 month')::date
        ORDER BY r.rate_date DESC
        LIMIT 1
    ) x ON p.currency <> %(currency)s
    WHERE s.status IN ('active', 'trialing', 'past_due')
    ORDER BY s.tenant_id, s.current_period_start DESC, s.subscription_id
)
SELECT c.id, %(month)s::date, c.name, p.plan_id, p.plan_name,
       CASE WHEN p.plan_id IS NULL THEN 0 ELSE p.price_monthly END,
       p.current_period_start, p.current_period_end,
       coalesce(v.recognized_revenue, 0), coalesce(v.cash_revenue, 0), coalesce(v.deferred_revenue, 0),
       coalesce(v.unconverted_entries, 0),
       ARRAY(SELECT DISTINCT u.currency
             FROM unnest(coalesce(v.unconverted_currencies, '{}')
                         || CASE WHEN p.plan_id IS NOT NULL AND p.price_monthly IS NULL THEN ARRAY[p.currency]
                                 ELSE '{}' END) AS u (currency)
             ORDER BY 1),
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
