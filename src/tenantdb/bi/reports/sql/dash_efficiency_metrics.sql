-- Operational Efficiency, module events' efficiency_metrics of %(month)s (written by tenantdb bi refresh): the
-- customers recorded, their capacity and use, and the capacity-weighted score (as the executive metrics weigh it).
-- Read company by company through the key (tenant_id, month).
SELECT count(*) AS tenants,
       coalesce(sum(e.capacity), 0) AS capacity,
       coalesce(sum(e.used), 0) AS used,
       round(sum(e.score * e.capacity) FILTER (WHERE e.score IS NOT NULL AND e.capacity > 0)
             / NULLIF(sum(e.capacity) FILTER (WHERE e.score IS NOT NULL AND e.capacity > 0), 0), 2) AS score
FROM efficiency_metrics e
WHERE e.tenant_id = ANY (ARRAY(SELECT c.id FROM companies c))
  AND e.month = %(month)s
