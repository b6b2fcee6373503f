-- Modeled cost against the invoices of the month %(month)s, per provider with an invoice for it. A line matches
-- the provider's resource with its reference (a cost-bearing one first, then the smallest id); the lines of one
-- resource are taken together (Q = sum of quantities, P = sum of amounts). With p_m = approximate_cost and m_r =
-- the modeled monthly cost: rate drift P - p_m * Q, quantity drift p_m * Q - m_r (-m_r for a resource without a
-- line), and a line matching nothing is unmatched. Summed per provider: rate drift = sum(P - p_m * Q) over the
-- matched resources, quantity drift = sum(p_m * Q) over them - modeled. Nothing is rounded, so
-- invoiced - modeled = rate drift + quantity drift + unmatched, exactly.
INSERT INTO bi_reconciliation (provider, month, modeled, invoiced, rate_drift, quantity_drift, unmatched,
                               scale_factor, tolerance, flagged, refreshed_at)
WITH providers AS (
    SELECT DISTINCT i.provider FROM provider_invoices i WHERE i.month = %(month)s::date
), lines AS (
    SELECT i.provider, l.resource_ref, l.quantity, l.amount
    FROM provider_invoices i
    JOIN provider_invoice_lines l ON l.invoice_id = i.invoice_id
    WHERE i.month = %(month)s::date
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
SELECT p.provider, %(month)s::date, coalesce(m.modeled, 0), coalesce(t.invoiced, 0), coalesce(t.rate_drift, 0),
       coalesce(t.matched, 0) - coalesce(m.modeled, 0), coalesce(t.unmatched, 0),
       coalesce(t.invoiced, 0) / NULLIF(m.modeled, 0),
       %(tolerance)s::numeric,
       abs(coalesce(t.invoiced, 0) - coalesce(m.modeled, 0)) > %(tolerance)s::numeric * coalesce(m.modeled, 0)
           OR coalesce(t.any_unmatched, false),
       now()
FROM providers p
LEFT JOIN modeled m ON m.provider = p.provider
LEFT JOIN totals t ON t.provider = p.provider
