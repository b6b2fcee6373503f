-- GET /api/v1/data-version for a tenant token (operators read data_version_global.sql): the newest business event
-- the caller's role may read, through the key (tenant_id, occurred_at) of business_events_tenant_idx — no index
-- leads with occurred_at (RELIABILITY R26). Row-level security leaves the tenant's own company (one probe) and hides
-- the platform-wide events (tenant_id NULL).
SELECT latest.occurred_at AS latest_event_at,
       latest.event_id AS latest_event_id
FROM (SELECT 1) AS one
LEFT JOIN LATERAL (
    SELECT x.occurred_at, x.event_id
    FROM (
        SELECT e.occurred_at, e.event_id
        FROM companies c
        CROSS JOIN LATERAL (SELECT b.occurred_at, b.event_id FROM business_events b WHERE b.tenant_id = c.id
                            ORDER BY b.occurred_at DESC, b.event_id DESC LIMIT 1) e
        UNION ALL
        (SELECT b.occurred_at, b.event_id FROM business_events b WHERE b.tenant_id IS NULL
         ORDER BY b.occurred_at DESC, b.event_id DESC LIMIT 1)
    ) x
    ORDER BY x.occurred_at DESC, x.event_id DESC
    LIMIT 1
) latest ON true
