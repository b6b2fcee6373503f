-- A fingerprint of the inputs of each month in %(months)s: the engine's version and the tolerance, the tables
-- every month reads (counts, latest updated_at and the sums that carry cost), and the month's own rows of
-- deliverability_daily, billing_transactions (also in the months their service periods reach) and provider
-- invoices. A month whose fingerprint is unchanged is skipped by an incremental refresh.
WITH everywhere AS (
    SELECT concat_ws('|',
        (SELECT concat_ws(',', count(*), max(updated_at), sum(approximate_cost), count(cost_pool_id))
         FROM vps_instances),
        (SELECT concat_ws(',', count(*), max(updated_at), sum(approximate_cost)) FROM smtp_ip_addresses),
        (SELECT concat_ws(',', count(*), max(updated_at), count(*) FILTER (WHERE is_platform_operator))
         FROM companies),
        (SELECT concat_ws(',', count(*), max(updated_at)) FROM subscriptions),
        (SELECT concat_ws(',', count(*), max(updated_at), sum(price_monthly)) FROM plans),
        (SELECT concat_ws(',', count(*), max(updated_at), sum(monthly_overhead)) FROM cost_pools),
        (SELECT concat_ws(',', count(*), max(updated_at)) FROM allocation_rules),
        (SELECT concat_ws(',', count(*), max(updated_at), sum(weight)) FROM cost_pool_members),
        (SELECT concat_ws(',', count(*), max(updated_at), sum(rate), max(rate_date)) FROM fx_rates)
    ) AS part
), months AS (
    SELECT m.month, m.month + interval '1 month' AS next_month
    FROM unnest(%(months)s::date[]) AS m (month)
), sending AS (
    SELECT date_trunc('month', d.day)::date AS month,
           concat_ws(',', count(*), max(d.updated_at), sum(d.sent), sum(d.delivered),
                     sum(d.bounced_hard + d.bounced_soft), sum(d.spam_complaints)) AS part
    FROM deliverability_daily d
    WHERE d.tenant_id = ANY (ARRAY(SELECT c.id FROM companies c))  -- tenant by tenant: the indexes lead with it
      AND d.day >= (SELECT min(month) FROM months) AND d.day < (SELECT max(next_month) FROM months)
    GROUP BY 1
), ledger AS (
    -- An entry counts in every month from the earlier of the month it occurred and its service period's first month
    -- to the later of that month and its service period's last month: its recognized or deferred revenue is there.
    SELECT s.month::date AS month,
           concat_ws(',', count(*), sum(t.amount), max(t.created_at), count(*) FILTER (WHERE t.currency = 'USD'),
                     sum(t.period_start - date '2000-01-01'), sum(t.period_end - t.period_start)) AS part
    FROM billing_transaction_periods t
    CROSS JOIN LATERAL generate_series(date_trunc('month', least(t.occurred_on, t.period_start)::timestamp),
                                       date_trunc('month', greatest(t.occurred_on, t.period_end - 1)::timestamp),
                                       interval '1 month') AS s (month)
    WHERE s.month::date = ANY (%(months)s::date[])
    GROUP BY 1
), invoices AS (
    SELECT i.month,
           concat_ws(',', count(*), max(i.updated_at), max(l.updated_at), sum(l.amount), sum(l.quantity),
                     string_agg(DISTINCT i.provider, ',')) AS part
    FROM provider_invoices i
    LEFT JOIN provider_invoice_lines l ON l.invoice_id = i.invoice_id
    WHERE i.month = ANY (%(months)s::date[])
    GROUP BY i.month
)
SELECT m.month::date,
       md5(concat_ws('#', %(engine)s::text, %(tolerance)s::text, e.part, s.part, g.part, i.part)) AS fingerprint
FROM months m
CROSS JOIN everywhere e
LEFT JOIN sending s ON s.month = m.month
LEFT JOIN ledger g ON g.month = m.month
LEFT JOIN invoices i ON i.month = m.month
ORDER BY 1
