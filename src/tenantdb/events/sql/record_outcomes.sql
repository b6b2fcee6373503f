-- One batch of e-mail delivery outcomes as parallel arrays, in one statement (module events,
-- tenantdb_events_record_outcomes): the outcomes counted, 0 for a replay.
SELECT tenantdb_events_record_outcomes(%(batch_id)s::uuid, %(tenant_ids)s::uuid[], %(occurred_at)s::timestamptz[],
                                       %(outcomes)s::text[], %(costs)s::numeric[])
