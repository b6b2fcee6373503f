-- GET /api/v1/events: business events the caller's role may read (row-level security: a tenant reads its own
-- delivery outcomes and revenue impacts only), newest first, in [%(since)s, %(until)s) (a bounded range: partitions
-- outside it are pruned), optionally of one kind and one tenant; keyset (occurred_at, event_id) descending after
-- the cursor's row.
SELECT e.event_id,
       e.occurred_at,
       e.event AS kind,
       e.tenant_id,
       c.slug AS tenant,
       e.properties
FROM business_events e
LEFT JOIN companies c ON c.id = e.tenant_id
WHERE e.occurred_at >= %(since)s::timestamptz
  AND e.occurred_at < %(until)s::timestamptz
  AND (%(kind)s::text IS NULL OR e.event = %(kind)s::text)
  AND (%(tenant_id)s::uuid IS NULL OR e.tenant_id = %(tenant_id)s::uuid)
  AND (%(after_at)s::timestamptz IS NULL
       OR (e.occurred_at, e.event_id) < (%(after_at)s::timestamptz, %(after_id)s::uuid))
ORDER BY e.occurred_at DESC, e.event_id DESC
LIMIT %(limit)s
