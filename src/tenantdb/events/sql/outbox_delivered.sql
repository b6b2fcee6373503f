-- The events PostHog accepted: delivered, in one statement. Marked even when the lease ran out meanwhile (they
-- were sent; a second sender's copy carries the same uuid), never twice.
UPDATE business_events AS e
SET delivered_at = now(), leased_until = NULL, last_error = NULL
FROM unnest(%(event_ids)s::uuid[], %(occurred)s::timestamptz[]) AS sent (event_id, occurred_at)
WHERE e.event_id = sent.event_id
  AND e.occurred_at = sent.occurred_at
  AND e.delivered_at IS NULL
