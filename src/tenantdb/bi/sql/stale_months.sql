-- The months of %(months)s an incremental refresh recomputes: never refreshed, computed with other definitions
-- than %(definitions)s (engine version and tolerance), or noted in bi_changed_months since their last refresh.
SELECT m.month
FROM unnest(%(months)s::date[]) AS m (month)
LEFT JOIN bi_refresh_state s ON s.month = m.month
WHERE s.month IS NULL
   OR s.definitions IS DISTINCT FROM %(definitions)s
   OR EXISTS (SELECT FROM bi_changed_months c WHERE c.month = m.month)
ORDER BY 1
