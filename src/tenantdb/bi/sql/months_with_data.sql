-- The first days of every month from the earliest to the latest month with data: a deliverability_daily row, a
-- billing transaction or a provider invoice. Resources cost in the months between too, so none is left out.
WITH bounds AS (
    SELECT min(first_day) AS first_month, max(last_day) AS last_month
    FROM (
        SELECT date_trunc('month', min(d.day))::date, date_trunc('month', max(d.day))::date
        FROM deliverability_daily d
        UNION ALL
        SELECT date_trunc('month', min(t.occurred_at) AT TIME ZONE 'UTC')::date,
               date_trunc('month', max(t.occurred_at) AT TIME ZONE 'UTC')::date
        FROM billing_transactions t
        UNION ALL
        SELECT min(i.month), max(i.month)
        FROM provider_invoices i
    ) AS ranges (first_day, last_day)
)
SELECT g.month::date
FROM bounds b
CROSS JOIN LATERAL generate_series(b.first_month::timestamp, b.last_month::timestamp, interval '1 month') AS g (month)
WHERE b.first_month IS NOT NULL
ORDER BY 1
