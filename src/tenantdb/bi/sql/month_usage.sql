-- Each tenant's sending in the month %(month)s, from deliverability_daily, read tenant by tenant: every index of a
-- tenant table leads with tenant_id (RELIABILITY R26), so the month's day range of each company is one index-only
-- range of deliverability_daily_day_idx (tenant_id, day) INCLUDE (the counts).
CREATE TEMPORARY TABLE bi_month_usage ON COMMIT DROP AS
SELECT d.tenant_id,
       sum(d.sent)::bigint                              AS emails_sent,
       sum(d.delivered)::bigint                         AS emails_delivered,
       sum(d.bounced_hard + d.bounced_soft)::bigint     AS emails_bounced,
       sum(d.spam_complaints)::bigint                   AS spam_complaints
FROM deliverability_daily d
WHERE d.tenant_id = ANY (ARRAY(SELECT c.id FROM companies c))
  AND d.day >= %(month)s::date
  AND d.day < (%(month)s::date + interval '1 month')::date
GROUP BY d.tenant_id
