-- Each tenant's sending in the month %(month)s, from deliverability_daily (read by day range: its day index).
CREATE TEMPORARY TABLE bi_month_usage ON COMMIT DROP AS
SELECT d.tenant_id,
       sum(d.sent)::bigint                              AS emails_sent,
       sum(d.delivered)::bigint                         AS emails_delivered,
       sum(d.bounced_hard + d.bounced_soft)::bigint     AS emails_bounced,
       sum(d.spam_complaints)::bigint                   AS spam_complaints
FROM deliverability_daily d
WHERE d.day >= %(month)s::date
  AND d.day < (%(month)s::date + interval '1 month')::date
GROUP BY d.tenant_id
