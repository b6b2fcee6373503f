-- Notes of a change to an input every month reads (month = infinity) become notes of each month that has rollups
-- or is in %(months)s, in one statement: the infinity notes are deleted and a note per month written in their
-- place (by this transaction, input everything), so each month's refresh consumes its own. The caller holds a
-- SHARE lock on bi_refresh_state, so no month's refresh is under way: every month computed before the change has
-- its row.
WITH spread AS (
    DELETE FROM bi_changed_months c WHERE c.month = 'infinity' RETURNING c.xact
)
INSERT INTO bi_changed_months (month, xact, input)
SELECT m.month, pg_current_xact_id(), 'everything'
FROM (SELECT s.month FROM bi_refresh_state s
      UNION
      SELECT unnest(%(months)s::date[])) AS m (month)
WHERE EXISTS (SELECT FROM spread)
ON CONFLICT DO NOTHING
