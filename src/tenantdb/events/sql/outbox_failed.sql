-- The events of a batch the client reported failed: one more attempt, the error (no payload, no key), and the next
-- attempt after an exponential backoff (%(base)s doubling per attempt, at most %(cap)s) with jitter (half to all
-- of it), so that many flushes do not retry in step. Only while the lease is still this flush's. Returns how many.
WITH failed AS (
    SELECT *
    FROM unnest(%(tenant_ids)s::uuid[], %(event_ids)s::uuid[], %(occurred)s::timestamptz[])
         AS failed (tenant_id, event_id, occurred_at)
),
tenants AS (
    UPDATE business_events AS e
    SET attempts        = e.attempts + 1,
        last_error      = %(error)s,
        leased_until    = NULL,
        next_attempt_at = now() + least(%(cap)s::interval, %(base)s::interval * power(2, least(e.attempts, 30)))
                                  * (0.5 + random() / 2)
    FROM failed
    WHERE e.tenant_id = failed.tenant_id
      AND e.event_id = failed.event_id
      AND e.occurred_at = failed.occurred_at
      AND e.delivered_at IS NULL
      AND e.leased_until = %(leased_until)s
    RETURNING 1
),
platform AS (
    UPDATE business_events AS e
    SET attempts        = e.attempts + 1,
        last_error      = %(error)s,
        leased_until    = NULL,
        next_attempt_at = now() + least(%(cap)s::interval, %(base)s::interval * power(2, least(e.attempts, 30)))
                                  * (0.5 + random() / 2)
    FROM failed
    WHERE failed.tenant_id IS NULL
      AND e.tenant_id IS NULL
      AND e.event_id = failed.event_id
      AND e.occurred_at = failed.occurred_at
      AND e.delivered_at IS NULL
      AND e.leased_until = %(leased_until)s
    RETURNING 1
)
SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM platform)
