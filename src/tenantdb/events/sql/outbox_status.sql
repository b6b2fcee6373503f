-- The outbox by event name: what waits (pending = due + leased + backing off), what failed, what was delivered.
SELECT event,
       count(*) FILTER (WHERE delivered_at IS NULL) AS pending,
       count(*) FILTER (WHERE delivered_at IS NULL AND next_attempt_at <= now()
                          AND (leased_until IS NULL OR leased_until < now())) AS due,
       count(*) FILTER (WHERE delivered_at IS NULL AND leased_until >= now()) AS leased,
       count(*) FILTER (WHERE delivered_at IS NULL AND attempts > 0) AS failing,
       count(*) FILTER (WHERE delivered_at IS NOT NULL) AS delivered,
       max(attempts) FILTER (WHERE delivered_at IS NULL) AS max_attempts,
       min(recorded_at) FILTER (WHERE delivered_at IS NULL) AS oldest_pending_recorded_at,
       now() - min(recorded_at) FILTER (WHERE delivered_at IS NULL) AS oldest_pending_age,
       (array_agg(last_error ORDER BY next_attempt_at DESC)
            FILTER (WHERE delivered_at IS NULL AND last_error IS NOT NULL))[1] AS last_error,
       min(next_attempt_at) FILTER (WHERE delivered_at IS NULL AND attempts > 0) AS next_retry_at
FROM business_events
GROUP BY event
ORDER BY event
