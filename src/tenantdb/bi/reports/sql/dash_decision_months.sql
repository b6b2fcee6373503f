-- Strategic Decision Tracker, per month from %(first_month)s to %(month)s (UTC): decisions opened, decided, still
-- open at the month's end, and the velocity of those decided in the month: median and 90th percentile of the days
-- from opened to decided (continuous percentiles, 2 decimals).
WITH months AS (
    SELECT m.month::date AS month,
           (m.month::timestamp AT TIME ZONE 'UTC') AS starts,
           ((m.month + interval '1 month')::timestamp AT TIME ZONE 'UTC') AS ends
    FROM generate_series(%(first_month)s::date, %(month)s::date, interval '1 month') AS m (month)
)
SELECT m.month,
       count(d.decision_id) FILTER (WHERE d.opened_at >= m.starts) AS opened,
       count(d.decision_id) FILTER (WHERE d.decided_at >= m.starts AND d.decided_at < m.ends) AS decided,
       count(d.decision_id) FILTER (WHERE d.decided_at IS NULL OR d.decided_at >= m.ends) AS open_at_month_end,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.decided_at - d.opened_at) / 86400)
              FILTER (WHERE d.decided_at >= m.starts AND d.decided_at < m.ends))::numeric, 2) AS median_days,
       round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM d.decided_at - d.opened_at) / 86400)
              FILTER (WHERE d.decided_at >= m.starts AND d.decided_at < m.ends))::numeric, 2) AS p90_days
FROM months m
LEFT JOIN strategic_decisions d ON d.opened_at < m.ends AND (d.decided_at IS NULL OR d.decided_at >= m.starts)
GROUP BY m.month
ORDER BY m.month
