-- Modeled cost against the invoices of the month %(month)s, per provider with an invoice for it. The lines of one
-- resource are taken together (Q = sum of quantities, P = sum of amounts); with p_m = approximate_cost and m_r =
-- the modeled monthly cost: rate drift P - p_m * Q, quantity drift p_m * Q - m_r (-m_r without a line), and a
-- line that matches no resource is unmatched. Nothing is rounded, so invoiced - modeled = rate drift + quantity
-- drift + unmatched exactly.
INSERT INTO bi_reconciliation (provider, month, modeled, invoiced, rate_drift, quantity_drift, unmatched,
                               scale_factor, tolerance, flagged, refreshed_at)
WITH lines AS (
    SELECT i.provider, l.resource_ref, l.quantity, l.amount
    FROM provider_invoices i
    JOIN provider_invoice_lines l ON l.invoice_id = i.invoice_id
    WHERE i.month = %(month)s::date
), providers AS (
    SELECT DISTINCT i.provider FROM provider_invoices i WHERE i.month = %(month)s::date
), candidates AS (
    SELECT DISTINCT ON (r.provider, r.reference) r.provider, r.reference, r.resource_id, r.approximate_cost,
           r.monthly_cost
    FROM bi_month_resources r
    JOIN providers p ON p.provider = r.provider
    ORDER BY r.provider, r.reference, r.cost_bearing DESC, r.resource_id
), billed AS (
    SELECT l.provider, c.resource_id, c.approximate_cost, c.monthly_cost, sum(l.quantity) AS quantity,
           sum(l.amount) AS amount
    FROM lines l
    LEFT JOIN candidates c ON c.provider = l.provider AND c.reference = l.resource_ref
    GROUP BY l.provider, c.resource_id, c.approximate_cost, c.monthly_cost
), modeled AS (
    SELECT r.provider, r.resource_id, r.monthly_cost
    FROM bi_month_resources r
    JOIN providers p ON p.provider = r.provider
    WHERE r.monthly_cost > 0
), drift AS (
    SELECT coalesce(m.provider, b.provider) AS provider,
           coalesce(m.monthly_cost, 0) AS modeled,
           coalesce(b.amount, 0) AS invoiced,
           CASE WHEN b.resource_id IS NOT NULL THEN b.amount - b.approximate_cost * b.quantity ELSE 0 END
               AS rate_drift,
           CASE WHEN b.resource_id IS NOT NULL THEN b.approximate_cost * b.quantity - b.monthly_cost
                WHEN b.provider IS NULL THEN -m.monthly_cost
                ELSE 0 END AS quantity_drift,
           CASE WHEN b.provider IS NOT NULL AND b.resource_id IS NULL THEN b.amount ELSE 0 END AS unmatched,
           b.provider IS NOT NULL AND b.resource_id IS NULL AS is_unmatched
    FROM modeled m
    FULL JOIN billed b ON b.provider = m.provider AND b.resource_id = m.resource_id
), totals AS (
    SELECT d.provider, sum(d.modeled) AS modeled, sum(d.invoiced) AS invoiced, sum(d.rate_drift) AS rate_drift,
           sum(d.quantity_drift) AS quantity_drift, sum(d.unmatched) AS unmatched,
           bool_or(d.is_unmatched) AS any_unmatched
    FROM drift d
    GROUP BY d.provider
)
SELECT p.provider, %(month)s::date, coalesce(t.modeled, 0), coalesce(t.invoiced, 0), coalesce(t.rate_drift, 0),
       coalesce(t.quantity_drift, 0), coalesce(t.unmatched, 0),
       t.invoiced / NULLIF(t.modeled, 0),
       %(tolerance)s::numeric,
       abs(coalesce(t.invoiced, 0) - coalesce(t.modeled, 0)) > %(tolerance)s::numeric * coalesce(t.modeled, 0)
           OR coalesce(t.any_unmatched, false),
       now()
FROM providers p
LEFT JOIN totals t ON t.provider = p.provider
