-- GET /api/v1/data-version for an operator (and the response cache's key): the counters of module bi's
-- bi_data_version (17 rows, however many tenants) and the latest refresh; no per-tenant probe.
SELECT (SELECT sum(v.bumps) FROM bi_data_version v) AS bumps,
       (SELECT max(s.refreshed_at) FROM bi_refresh_state s) AS refreshed_at
