-- Take up to %(limit)s due events of the outbox and lease them to this flush for %(lease)s (run in a transaction
-- of its own, committed before anything is sent). SKIP LOCKED: a concurrent flush takes other events, and an event
-- stays with its taker until the lease ends (a crashed taker's events are taken again after it, same event_id).
-- No ORDER BY: the first due rows found are taken (a sort would read every due event for each batch); a batch is
-- sent oldest first. Rows are found again by their key (tenant_id, event_id, occurred_at), a tenant's and a
-- platform-wide event (tenant_id NULL) by an update each, so that both use an index led by tenant_id.
WITH due AS (
    SELECT tenant_id, event_id, occurred_at
    FROM business_events
    WHERE delivered_at IS NULL
      AND next_attempt_at <= now()
      AND (leased_until IS NULL OR leased_until < now())
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
),
tenants AS (
    UPDATE business_events AS e
    SET leased_until = now() + %(lease)s
    FROM due
    WHERE e.tenant_id = due.tenant_id
      AND e.event_id = due.event_id
      AND e.occurred_at = due.occurred_at
    RETURNING e.event_id, e.occurred_at, e.event, e.tenant_id, e.properties, e.attempts, e.leased_until
),
platform AS (
    UPDATE business_events AS e
    SET leased_until = now() + %(lease)s
    FROM due
    WHERE due.tenant_id IS NULL
      AND e.tenant_id IS NULL
      AND e.event_id = due.event_id
      AND e.occurred_at = due.occurred_at
    RETURNING e.event_id, e.occurred_at, e.event, e.tenant_id, e.properties, e.attempts, e.leased_until
)
SELECT taken.event_id, taken.occurred_at, taken.event, taken.tenant_id, c.slug, c.name, taken.properties::text,
       taken.attempts, taken.leased_until
FROM (SELECT * FROM tenants UNION ALL SELECT * FROM platform) AS taken
LEFT JOIN companies AS c ON c.id = taken.tenant_id
