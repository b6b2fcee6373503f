-- Make delivered events pending again (after a PostHog project was reset, say): sent again with the same uuid,
-- timestamp and properties. Only events that occurred in [%(since)s, %(until)s), of one event name and one tenant
-- when given.
UPDATE business_events
SET delivered_at = NULL, attempts = 0, next_attempt_at = now(), leased_until = NULL, last_error = NULL
WHERE delivered_at IS NOT NULL
  AND occurred_at >= %(since)s
  AND occurred_at < %(until)s
  AND (%(event)s::text IS NULL OR event = %(event)s::text)
  AND (%(tenant_id)s::uuid IS NULL OR tenant_id = %(tenant_id)s::uuid)
