-- The benchmark's outbox: current_setting('bench.tenants') companies and current_setting('bench.events') business
-- events spread over them and over June 2025, emitted with tenantdb_events_emit (as the application emits them),
-- with properties the size of the issue's events. Every tenth event is platform-wide (no tenant).
INSERT INTO companies (name, slug)
SELECT 'Tenant ' || n, 'tenant-' || n
FROM generate_series(1, current_setting('bench.tenants')::int) AS n;

SELECT count(*) FILTER (WHERE emitted) AS emitted
FROM (
    SELECT tenantdb_events_emit(
               gen_random_uuid(),
               timestamptz '2025-06-01 00:00Z' + n * interval '1 second',
               (ARRAY['revenue_impact', 'cost_optimization', 'efficiency_metrics', 'strategic_decision'])[1 + n % 4],
               CASE WHEN n % 10 = 0 THEN NULL ELSE tenants[1 + n % array_length(tenants, 1)] END,
               jsonb_build_object(
                   'impact_type', 'deliverability',
                   'amount', round((n % 10000) / 100.0, 2)::text,
                   'direction', CASE WHEN n % 3 = 0 THEN 'positive' ELSE 'negative' END,
                   'urgency', (ARRAY['low', 'medium', 'high', 'critical'])[1 + n % 4],
                   'affected_customer_value', round((n % 50000) / 10.0, 2)::text,
                   'source', 'bi refresh',
                   'reason_codes', jsonb_build_array('bounce_rate_high', 'spam_rate_warning')
               )
           ) AS emitted
    FROM generate_series(1, current_setting('bench.events')::int) AS n,
         (SELECT array_agg(id ORDER BY id) AS tenants FROM companies) AS t
) AS emits;
