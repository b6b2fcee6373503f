-- Take up to %(limit)s due events of the outbox and lease them to this flush for %(lease)s (run in a transaction
-- of its own, committed before anything is sent). SKIP LOCKED: a concurrent flush takes other events, and an event
-- stays with its taker until the lease ends (a crashed taker's events are taken again after it, same event_id).
WITH due AS (
    SELECT event_id, occurred_at, tenant_id
    FROM business_events
    WHERE delivered_at IS NULL
      AND next_attempt_at <= now()
      AND (leased_until IS NULL OR leased_until < now())
    ORDER BY next_attempt_at  -- the pending index; a batch is sorted by occurred_at after
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE business_events AS e
SET leased_until = now() + %(lease)s
FROM due
LEFT JOIN companies AS c ON c.id = due.tenant_id
WHERE e.event_id = due.event_id
  AND e.occurred_at = due.occurred_at
RETURNING e.event_id, e.occurred_at, e.event, e.tenant_id, c.slug, c.name, e.properties::text, e.attempts,
          e.leased_until
