-- A tenant token's own months from %(first_month)s to %(month)s (bi_tenant_monthly through its key, row-level
-- security on): what it paid and the cost allocated to it, and its e-mails; not the operator's judgement of it.
SELECT m.month, m.recognized_revenue AS revenue, m.total_cost AS cost, m.emails_sent, m.emails_delivered
FROM bi_tenant_monthly m
WHERE m.tenant_id = %(tenant_id)s
  AND m.month BETWEEN %(first_month)s AND %(month)s
ORDER BY m.month
