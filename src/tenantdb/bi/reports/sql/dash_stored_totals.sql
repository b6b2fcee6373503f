-- The months' key metrics as `tenantdb bi refresh` stored them (bi_month_summary.totals, the month's own row of
-- month_totals.sql for the default options) for the months from %(first_month)s to %(month)s whose summary is
-- current: written with the month's latest refresh (bi_refresh_state), in the layout %(version)s.
SELECT s.month, t.total::text AS total
FROM bi_month_summary s
JOIN bi_refresh_state r ON r.month = s.month AND r.refreshed_at = s.refreshed_at
CROSS JOIN LATERAL jsonb_array_elements(s.totals) AS t (total)
WHERE s.month BETWEEN %(first_month)s::date AND %(month)s
  AND s.version = %(version)s
  AND s.margin_target = %(margin_target)s
  AND s.min_volume = %(min_volume)s
  AND (t.total ->> 'month')::date = s.month
ORDER BY s.month
