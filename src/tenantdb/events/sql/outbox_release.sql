-- Give back events taken but not sent (the flush stopped early): due again at once, no attempt counted. Returns
-- how many.
WITH taken AS (
    SELECT *
    FROM unnest(%(tenant_ids)s::uuid[], %(event_ids)s::uuid[], %(occurred)s::timestamptz[])
         AS taken (tenant_id, event_id, occurred_at)
),
tenants AS (
    UPDATE business_events AS e
    SET leased_until = NULL
    FROM taken
    WHERE e.tenant_id = taken.tenant_id
      AND e.event_id = taken.event_id
      AND e.occurred_at = taken.occurred_at
      AND e.delivered_at IS NULL
      AND e.leased_until = %(leased_until)s
    RETURNING 1
),
platform AS (
    UPDATE business_events AS e
    SET leased_until = NULL
    FROM taken
    WHERE taken.tenant_id IS NULL
      AND e.tenant_id IS NULL
      AND e.event_id = taken.event_id
      AND e.occurred_at = taken.occurred_at
      AND e.delivered_at IS NULL
      AND e.leased_until = %(leased_until)s
    RETURNING 1
)
SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM platform)
