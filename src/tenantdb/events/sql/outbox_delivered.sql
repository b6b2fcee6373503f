-- The events PostHog accepted: delivered, in one statement (a tenant's and a platform-wide event by an update
-- each, both on an index led by tenant_id). Marked even when the lease ran out meanwhile (they were sent; a second
-- sender's copy carries the same uuid), never twice. Returns how many were marked.
WITH sent AS (
    SELECT *
    FROM unnest(%(tenant_ids)s::uuid[], %(event_ids)s::uuid[], %(occurred)s::timestamptz[])
         AS sent (tenant_id, event_id, occurred_at)
),
tenants AS (
    UPDATE business_events AS e
    SET delivered_at = now(), leased_until = NULL, last_error = NULL
    FROM sent
    WHERE e.tenant_id = sent.tenant_id
      AND e.event_id = sent.event_id
      AND e.occurred_at = sent.occurred_at
      AND e.delivered_at IS NULL
    RETURNING 1
),
platform AS (
    UPDATE business_events AS e
    SET delivered_at = now(), leased_until = NULL, last_error = NULL
    FROM sent
    WHERE sent.tenant_id IS NULL
      AND e.tenant_id IS NULL
      AND e.event_id = sent.event_id
      AND e.occurred_at = sent.occurred_at
      AND e.delivered_at IS NULL
    RETURNING 1
)
SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM platform)
