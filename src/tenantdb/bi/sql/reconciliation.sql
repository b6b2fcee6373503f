-- Modeled cost against the invoices of the month %(month)s, per provider with an invoice for it. A line matches
-- the provider's resource with its reference (a cost-bearing one first, then the smallest id); the lines of one
-- resource are taken together (Q = sum of quantities, P = sum of amounts). With p_m = approximate_cost and m_r =
-- the modeled monthly cost: rate drift P - p_m * Q, quantity drift p_m * Q - m_r (-m_r for a resource without a
-- line), and a line matching nothing is unmatched. Summed per provider: rate drift = sum(P - p_m * Q) over the
-- matched resources, quantity drift = sum(p_m * Q) over them - modeled. Nothing is rounded, so
-- invoiced - modeled = rate drift + quantity drift + unmatched, exactly.
-- Invoices in another currency than %(currency)s: each line's amount is converted at the latest rate on or before
-- the month's last day and rounded to the cent; a provider with an invoice lacking a rate keeps its original
-- currency and amount, has no converted figures, and is flagged (no_rate): never compared 1:1.
INSERT INTO bi_reconciliation (provider, month, modeled, invoiced, rate_drift, quantity_drift, unmatched,
                               scale_factor, tolerance, flagged, currency, invoiced_original, fx_rate, fx_rate_date,
                               flag_reason, refreshed_at)
WITH invoices AS (
    SELECT i.invoice_id, i.provider, i.currency, x.rate, x.rate_date,
           i.currency = %(currency)s OR x.rate IS NOT NULL AS converted
    FROM provider_invoices i
    LEFT JOIN LATERAL (
        SELECT r.rate, r.rate_date
        FROM fx_rates r
        WHERE r.base_currency = i.currency AND r.quote_currency = %(currency)s
          AND r.rate_date < (i.month + interval '1 month')::date
        ORDER BY r.rate_date DESC
        LIMIT 1
    ) x ON i.currency <> %(currency)s
    WHERE i.month = %(month)s::date
), providers AS (
    SELECT i.provider, string_agg(DISTINCT i.currency, ',' ORDER BY i.currency) AS currency,
           bool_and(i.converted) AS converted, max(i.rate) AS rate, max(i.rate_date) AS rate_date
    FROM invoices i
    GROUP BY i.provider
), originals AS (
    SELECT i.provider, sum(l.amount) AS invoiced_original
    FROM invoices i
    JOIN provider_invoice_lines l ON l.invoice_id = i.invoice_id
    GROUP BY i.provider
), lines AS (
    SELECT i.provider, l.resource_ref, l.quantity,
           CASE WHEN i.rate IS NULL THEN l.amount ELSE round(l.amount * i.rate, 2) END AS amount
    FROM invoices i
    JOIN provider_invoice_lines l ON l.invoice_id = i.invoice_id
    WHERE i.provider IN (SELECT p.provider FROM providers p WHERE p.converted)
), modeled AS (
    SELECT r.provider, sum(r.monthly_cost) AS modeled
    FROM pg_temp.bi_month_resources(%(month)s::date) r
    WHERE r.provider IN (SELECT p.provider FROM providers p) AND r.cost_bearing
    GROUP BY r.provider
), candidates AS (
    SELECT DISTINCT ON (r.provider, r.reference) r.provider, r.reference, r.resource_id, r.approximate_cost
    FROM pg_temp.bi_month_resources(%(month)s::date) r
    JOIN (SELECT DISTINCT l.provider, l.resource_ref FROM lines l) x
      ON x.provider = r.provider AND x.resource_ref = r.reference
    ORDER BY r.provider, r.reference, r.cost_bearing DESC, r.resource_id
), billed AS (
    SELECT l.provider, c.resource_id, c.approximate_cost, sum(l.quantity) AS quantity, sum(l.amount) AS amount
    FROM lines l
    LEFT JOIN candidates c ON c.provider = l.provider AND c.reference = l.resource_ref
    GROUP BY l.provider, c.resource_id, c.approximate_cost
), totals AS (
    SELECT b.provider, sum(b.amount) AS invoiced,
           coalesce(sum(b.amount - b.approximate_cost * b.quantity) FILTER (WHERE b.resource_id IS NOT NULL), 0)
               AS rate_drift,
           coalesce(sum(b.approximate_cost * b.quantity) FILTER (WHERE b.resource_id IS NOT NULL), 0) AS matched,
           coalesce(sum(b.amount) FILTER (WHERE b.resource_id IS NULL), 0) AS unmatched,
           bool_or(b.resource_id IS NULL) AS any_unmatched
    FROM billed b
    GROUP BY b.provider
)
SELECT p.provider, %(month)s::date, coalesce(m.modeled, 0),
       CASE WHEN p.converted THEN coalesce(t.invoiced, 0) END,
       CASE WHEN p.converted THEN coalesce(t.rate_drift, 0) END,
       CASE WHEN p.converted THEN coalesce(t.matched, 0) - coalesce(m.modeled, 0) END,
       CASE WHEN p.converted THEN coalesce(t.unmatched, 0) END,
       CASE WHEN p.converted THEN coalesce(t.invoiced, 0) / NULLIF(m.modeled, 0) END,
       %(tolerance)s::numeric,
       f.reason IS NOT NULL,
       p.currency,
       CASE WHEN strpos(p.currency, ',') = 0 THEN coalesce(o.invoiced_original, 0) END,
       CASE WHEN p.converted AND strpos(p.currency, ',') = 0 THEN p.rate END,
       CASE WHEN p.converted AND strpos(p.currency, ',') = 0 THEN p.rate_date END,
       f.reason,
       now()
FROM providers p
LEFT JOIN modeled m ON m.provider = p.provider
LEFT JOIN totals t ON t.provider = p.provider
LEFT JOIN originals o ON o.provider = p.provider
CROSS JOIN LATERAL (
    SELECT CASE WHEN NOT p.converted THEN 'no_rate'
                WHEN coalesce(t.any_unmatched, false) THEN 'unmatched_lines'
                WHEN abs(coalesce(t.invoiced, 0) - coalesce(m.modeled, 0))
                     > %(tolerance)s::numeric * coalesce(m.modeled, 0) THEN 'beyond_tolerance'
           END AS reason
) f
