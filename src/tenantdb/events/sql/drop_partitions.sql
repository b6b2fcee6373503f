-- Retention of module events' monthly partitions (tenantdb_events_drop_partitions): one row per partition older
-- than the months kept, dropped unless it holds undelivered events or this is a dry run.
SELECT table_name, partition_name, month, row_count, undelivered, dropped
FROM tenantdb_events_drop_partitions(%(keep_months)s::integer, %(dry_run)s::boolean)
