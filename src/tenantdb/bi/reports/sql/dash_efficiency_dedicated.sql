-- Operational Efficiency, dedicated servers (selects FROM figures): the customers with dedicated capacity, the
-- e-mails it could send in the month, those it sent (each customer's capped at its capacity), utilization = used /
-- capacity, and the customers below the idle threshold (reason idle_dedicated_capacity).
SELECT count(*) FILTER (WHERE f.dedicated_capacity > 0) AS tenants,
       coalesce(sum(f.dedicated_capacity), 0)::bigint AS capacity,
       coalesce(sum(least(f.emails_sent, f.dedicated_capacity)) FILTER (WHERE f.dedicated_capacity > 0), 0)::bigint
           AS used,
       round(sum(least(f.emails_sent, f.dedicated_capacity)) FILTER (WHERE f.dedicated_capacity > 0)
             / NULLIF(sum(f.dedicated_capacity), 0), 6) AS utilization,
       count(*) FILTER (WHERE f.idle_dedicated_capacity) AS idle_tenants
FROM figures f
