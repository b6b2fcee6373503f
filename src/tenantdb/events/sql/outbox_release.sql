-- Give back events taken but not sent (the flush stopped early): due again at once, no attempt counted.
UPDATE business_events AS e
SET leased_until = NULL
FROM unnest(%(event_ids)s::uuid[], %(occurred)s::timestamptz[]) AS taken (event_id, occurred_at)
WHERE e.event_id = taken.event_id
  AND e.occurred_at = taken.occurred_at
  AND e.delivered_at IS NULL
  AND e.leased_until = %(leased_until)s
