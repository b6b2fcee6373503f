SELECT tenantdb_events_record_revenue_impact(%(tenant_id)s::uuid, %(impact_type)s::text, %(amount)s::numeric,
                                             %(urgency)s::text, %(affected_customer_value)s::numeric,
                                             %(detected_at)s::timestamptz, %(source)s::text, %(details)s::jsonb,
                                             %(impact_id)s::uuid)
