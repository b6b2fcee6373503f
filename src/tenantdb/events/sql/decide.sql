SELECT tenantdb_events_decide(%(decision_id)s::uuid, %(outcome)s::text, coalesce(%(decided_at)s::timestamptz, now()),
                              %(note)s::text)
