-- The first days of every month from the earliest to the latest month with data: a deliverability_daily row, a
-- billing transaction (the month it occurred and the months of its service period: its revenue is recognized
-- there) or a provider invoice. Resources cost in the months between too, so none is left out. No month after the
-- current one (UTC): an entry dated ahead, or a service period reaching ahead, waits for its month to begin.
WITH bounds AS (
    SELECT min(first_day) AS first_month, max(last_day) AS last_month
    FROM (
        -- Each company's first and last day from its own range of the key (no index leads with day: R26).
        SELECT date_trunc('month', min(d.first_day))::date, date_trunc('month', max(d.last_day))::date
        FROM companies c
        CROSS JOIN LATERAL (SELECT min(x.day) AS first_day, max(x.day) AS last_day
                            FROM deliverability_daily x WHERE x.tenant_id = c.id) d
        UNION ALL
        SELECT date_trunc('month', least(min(t.occurred_on), min(t.period_start))::timestamp)::date,
               date_trunc('month', greatest(max(t.occurred_on), max(t.period_end - 1))::timestamp)::date
        FROM billing_transaction_periods t
        UNION ALL
        SELECT min(i.month), max(i.month)
        FROM provider_invoices i
    ) AS ranges (first_day, last_day)
)
SELECT g.month::date
FROM bounds b
CROSS JOIN LATERAL generate_series(
    b.first_month::timestamp,
    least(b.last_month::timestamp, date_trunc('month', now() AT TIME ZONE 'UTC')),
    interval '1 month'
) AS g (month)
WHERE b.first_month IS NOT NULL
ORDER BY 1
