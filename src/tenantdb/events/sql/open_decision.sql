SELECT tenantdb_events_open_decision(%(title)s::text, %(category)s::text, %(tenant_id)s::uuid,
                                     %(expected_value)s::numeric, coalesce(%(opened_at)s::timestamptz, now()),
                                     %(decision_id)s::uuid)
