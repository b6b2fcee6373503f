SELECT tenantdb_events_resolve_revenue_impact(%(tenant_id)s::uuid, %(impact_id)s::uuid,
                                              coalesce(%(resolved_at)s::timestamptz, now()))
