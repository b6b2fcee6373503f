-- Cost Optimization Center, per month from %(first_month)s to %(month)s: savings identified (expected_savings of the
-- actions recommended for the month, whatever became of them), taken (expected_savings of the actions accepted or
-- done, in the month they were first accepted or done, UTC) and realized (cost_optimization_results of the month),
-- each also cumulative since the first recommendation. Dollars per month.
WITH identified AS (
    SELECT o.month, sum(o.expected_savings) AS amount
    FROM cost_optimizations o
    WHERE o.month <= %(month)s
    GROUP BY o.month
), taken AS (
    SELECT date_trunc('month', coalesce(o.accepted_at, o.done_at) AT TIME ZONE 'UTC')::date AS month,
           sum(o.expected_savings) AS amount
    FROM cost_optimizations o
    WHERE o.status IN ('accepted', 'done')
    GROUP BY 1
), realized AS (
    SELECT r.month, sum(r.realized) AS amount
    FROM cost_optimization_results r
    WHERE r.month <= %(month)s
    GROUP BY r.month
), months AS (
    SELECT generate_series(least(%(first_month)s::date,
                                 (SELECT min(i.month) FROM identified i), (SELECT min(t.month) FROM taken t)),
                           %(month)s::date, interval '1 month')::date AS month
), running AS (
    SELECT m.month,
           coalesce(i.amount, 0) AS identified,
           coalesce(t.amount, 0) AS taken,
           coalesce(r.amount, 0) AS realized,
           sum(coalesce(i.amount, 0)) OVER w AS identified_cumulative,
           sum(coalesce(t.amount, 0)) OVER w AS taken_cumulative,
           sum(coalesce(r.amount, 0)) OVER w AS realized_cumulative
    FROM months m
    LEFT JOIN identified i ON i.month = m.month
    LEFT JOIN taken t ON t.month = m.month
    LEFT JOIN realized r ON r.month = m.month
    WINDOW w AS (ORDER BY m.month)
)
SELECT * FROM running WHERE month >= %(first_month)s ORDER BY month
