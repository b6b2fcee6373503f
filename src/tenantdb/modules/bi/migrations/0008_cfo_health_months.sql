-- migrate:up
-- Numbers a CFO would sign (issue 12), the database's half; definitions in docs/business-metrics.md:
--
-- * One definition of a customer's health, used by the views and by every report query:
--   tenantdb_bi_margin_exemption() says why margin does not apply to a customer's month (no revenue, and no
--   subscription, a trial, a free plan or fewer e-mails than the minimum volume), tenantdb_bi_health_status() gives
--   the status ('Not Applicable' when exempt, else Excellent / Good / Monitor / Critical Action Required on revenue
--   against cost). bi_tenant_monthly.subscription_status (written by the refresh) tells a trial.
-- * tenantdb_bi_revenue_at_risk(): the share of a customer's revenue at risk from its deliverability, never more
--   than the revenue.
-- * tenantdb_bi_reporting_month(): the month the three views show, the last complete month (one expression
--   instead of three copies).
-- * executive_business_summary carries total_infrastructure_cost and total_email_service_cost with the meaning
--   they have in business_cost_allocation (the reference customer's verification query compares them), and
--   margin_not_applicable_reason.
--
-- The arithmetic functions are plain SQL expressions without a search_path setting, so the planner inlines them
-- into each query; they read no table. tenantdb_bi_reporting_month() reads tables with the caller's rights
-- (row-level security applies) and resolves them in the schema it was created in.

ALTER TABLE bi_tenant_monthly ADD COLUMN subscription_status text;
COMMENT ON COLUMN bi_tenant_monthly.subscription_status IS
    'Status of the current subscription (active, trialing or past_due) when the month was refreshed; NULL without '
    'one. A trialing customer''s margin does not apply (tenantdb_bi_margin_exemption).';

CREATE FUNCTION tenantdb_bi_margin_exemption(revenue numeric, plan_id uuid, price_monthly numeric,
                                             subscription_status text, emails_sent bigint, min_volume bigint)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
           WHEN revenue <> 0 THEN NULL
           WHEN plan_id IS NULL THEN 'no_subscription'
           WHEN subscription_status = 'trialing' THEN 'trial'
           WHEN price_monthly = 0 THEN 'free_plan'
           WHEN emails_sent < min_volume THEN 'below_min_volume'
       END
$$;
COMMENT ON FUNCTION tenantdb_bi_margin_exemption(numeric, uuid, numeric, text, bigint, bigint) IS
    'Why gross margin does not apply to a customer''s month, or NULL when it does: with no revenue in the month, '
    'no_subscription (churned, canceled or never subscribed), trial, free_plan, or below_min_volume (fewer e-mails '
    'than the minimum volume). A customer with any revenue is always measured.';

CREATE FUNCTION tenantdb_bi_health_status(revenue numeric, cost numeric, exemption text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
           WHEN exemption IS NOT NULL THEN 'Not Applicable'
           WHEN revenue > 2 * cost THEN 'Excellent'
           WHEN revenue > 1.5 * cost THEN 'Good'
           WHEN revenue > cost THEN 'Monitor'
           ELSE 'Critical Action Required'
       END
$$;
COMMENT ON FUNCTION tenantdb_bi_health_status(numeric, numeric, text) IS
    'business_health_status: Not Applicable when exempt (tenantdb_bi_margin_exemption), else Excellent when revenue '
    '> 2 x cost, Good > 1.5 x, Monitor > 1 x, otherwise Critical Action Required. The portfolio''s overall health is '
    'the same with no exemption.';

CREATE FUNCTION tenantdb_bi_revenue_at_risk(revenue numeric, emails_sent bigint, emails_delivered bigint,
                                            emails_bounced bigint, spam_complaints bigint, min_volume bigint)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
           WHEN revenue <= 0 OR emails_sent = 0 OR emails_sent < min_volume THEN 0
           ELSE round(revenue * least(1, greatest(
                    0,
                    (emails_bounced::numeric / emails_sent - 0.05) / 0.05,
                    CASE WHEN emails_delivered > 0
                         THEN (spam_complaints::numeric / emails_delivered - 0.001) / 0.002 ELSE 0 END)), 2)
       END
$$;
COMMENT ON FUNCTION tenantdb_bi_revenue_at_risk(numeric, bigint, bigint, bigint, bigint, bigint) IS
    'The part of a customer''s revenue at risk from its deliverability in the month, rounded to the cent: 0 within '
    'the providers'' limits (bounce rate 5 percent, spam rate 0.1 percent) or below the minimum volume; above them the share '
    'grows linearly to 100 percent at the suspension limits (bounce rate 10 percent, spam rate 0.3 percent), the worse of the two. '
    'Never more than the revenue, never negative.';

CREATE FUNCTION tenantdb_bi_reporting_month()
RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path FROM CURRENT
AS $$
-- Months of bi_refresh_state with a row in bi_tenant_monthly, probed company by company through the key (the
-- first customer answers; no index of a tenant table leads with month, RELIABILITY R26), latest first; rollups
-- written without any recorded refresh fall back to max(month).
SELECT coalesce(
           (SELECT s.month
            FROM bi_refresh_state s
            WHERE s.month < n.first_day
              AND (SELECT true FROM companies c
                   WHERE (SELECT true FROM bi_tenant_monthly x WHERE x.tenant_id = c.id AND x.month = s.month LIMIT 1)
                   LIMIT 1)
            ORDER BY s.month DESC
            LIMIT 1),
           (SELECT s.month
            FROM bi_refresh_state s
            WHERE (SELECT true FROM companies c
                   WHERE (SELECT true FROM bi_tenant_monthly x WHERE x.tenant_id = c.id AND x.month = s.month LIMIT 1)
                   LIMIT 1)
            ORDER BY s.month DESC
            LIMIT 1),
           (SELECT max(x.month) FROM bi_tenant_monthly x WHERE x.month < n.first_day),
           (SELECT max(x.month) FROM bi_tenant_monthly x))
FROM (SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date AS first_day) n
$$;
COMMENT ON FUNCTION tenantdb_bi_reporting_month() IS
    'The month the dashboard views show: the latest refreshed month that has ended (before the current UTC month); '
    'the current, partial month only when no ended month is refreshed.';

CREATE OR REPLACE VIEW executive_business_summary WITH (security_invoker = true) AS
SELECT t.tenant_id,
       t.company_name,
       t.plan_name,
       t.current_period_start,
       t.current_period_end,
       t.price_monthly                                                       AS monthly_subscription_revenue,
       t.infrastructure_cost                                                 AS infrastructure_costs,
       t.email_service_cost                                                  AS email_service_costs,
       r.gross_margin_ratio,
       CASE WHEN r.gross_margin_ratio IS NULL THEN 0  -- greatest and least would skip the NULL and say 100
            ELSE greatest(0, least(100, r.gross_margin_ratio * 100)) END      AS cost_efficiency_score,
       t.total_cost                                                          AS total_operational_cost,
       t.price_monthly - t.total_cost                                        AS monthly_profit,
       tenantdb_bi_health_status(t.recognized_revenue, t.total_cost, e.exemption)
                                                                             AS business_health_status,
       current_date                                                          AS dashboard_date,
       t.infrastructure_cost                                                 AS total_infrastructure_cost,
       t.email_service_cost                                                  AS total_email_service_cost,
       e.exemption                                                           AS margin_not_applicable_reason
FROM bi_tenant_monthly t
CROSS JOIN LATERAL (
    SELECT (t.price_monthly - t.total_cost) / NULLIF(t.price_monthly, 0) AS gross_margin_ratio
) r
CROSS JOIN LATERAL (
    -- the reports' default minimum volume (1,000 e-mails)
    SELECT tenantdb_bi_margin_exemption(t.recognized_revenue, t.plan_id, t.price_monthly, t.subscription_status,
                                        t.emails_sent, 1000) AS exemption
) e
WHERE t.month = (SELECT tenantdb_bi_reporting_month());  -- a sub-select: evaluated once, not per row
COMMENT ON VIEW executive_business_summary IS
    'Per customer, the reporting month (the last complete month): revenue is the plan''s monthly price (as the '
    'dashboard''s users expect) for gross_margin_ratio = (revenue - cost) / revenue, NULL without revenue, '
    'cost_efficiency_score = the ratio x 100 clamped to 0..100 (0 when NULL) and monthly_profit; '
    'business_health_status is the reports'' (tenantdb_bi_health_status on recognized revenue, minimum volume 1,000): '
    'Not Applicable when margin does not apply (margin_not_applicable_reason), else Excellent when revenue > 2 x '
    'cost, Good > 1.5 x, Monitor > 1 x, else Critical Action Required. total_infrastructure_cost, '
    'total_email_service_cost and total_operational_cost mean what they mean in business_cost_allocation.';
GRANT SELECT ON executive_business_summary TO business_analysts, db_administrators;

CREATE OR REPLACE VIEW business_cost_allocation WITH (security_invoker = true) AS
SELECT t.tenant_id,
       t.company_name,
       t.plan_name,
       t.price_monthly,
       t.infrastructure_cost                                         AS total_infrastructure_cost,
       t.email_service_cost                                          AS total_email_service_cost,
       t.total_cost / NULLIF(t.emails_delivered, 0)                  AS cost_per_email_delivered,
       t.total_cost                                                  AS total_monthly_cost,
       t.recognized_revenue - t.total_cost                           AS monthly_profit,
       t.recognized_revenue / NULLIF(t.total_cost, 0)                AS business_efficiency_ratio
FROM bi_tenant_monthly t
WHERE t.month = (SELECT tenantdb_bi_reporting_month());  -- a sub-select: evaluated once, not per row
COMMENT ON VIEW business_cost_allocation IS
    'Per customer, the reporting month (the last complete month): revenue is recognized revenue (billing ledger, '
    'refunds deducted); cost_per_email_delivered = cost / delivered e-mails (cost only, NULL without deliveries); '
    'business_efficiency_ratio = revenue / cost (dollars earned per dollar spent, not a margin; NULL without cost).';

CREATE OR REPLACE VIEW deliverability_business_impact WITH (security_invoker = true) AS
SELECT d.tenant_id                                                                   AS company_id,
       d.day                                                                         AS tracking_date,
       d.sent                                                                        AS emails_sent,
       b.bounced                                                                     AS emails_bounced,
       d.spam_complaints                                                             AS emails_spam,
       b.bounced::numeric / NULLIF(d.sent, 0)                                        AS bounce_rate,
       d.spam_complaints::numeric / NULLIF(d.delivered, 0)                           AS spam_rate,
       0.05 * b.bounced + 0.25 * d.spam_complaints                                   AS estimated_revenue_loss,
       CASE
           WHEN d.sent = 0 THEN 'insufficient_data'
           WHEN b.bounced > 0.10 * d.sent THEN 'critical_action_required'
           WHEN b.bounced > 0.05 * d.sent THEN 'monitoring_needed'
           ELSE 'acceptable'
       END                                                                           AS business_risk_level,
       0.05 * greatest(0, b.bounced - 0.02 * d.sent)
           + 0.25 * greatest(0, d.spam_complaints - 0.001 * d.delivered)             AS potential_savings
FROM (SELECT tenantdb_bi_reporting_month() AS first_day OFFSET 0) m  -- OFFSET 0: evaluated once, not per customer
CROSS JOIN companies c
-- Customer by customer: the reporting month of each is one range of deliverability_daily_day_idx (tenant_id, day).
CROSS JOIN LATERAL (
    SELECT x.tenant_id, x.day, x.sent, x.delivered, x.bounced_hard, x.bounced_soft, x.spam_complaints
    FROM deliverability_daily x
    WHERE x.tenant_id = c.id
      AND x.day >= m.first_day
      AND x.day < (m.first_day + interval '1 month')::date
) d
CROSS JOIN LATERAL (SELECT d.bounced_hard + d.bounced_soft AS bounced) b
WHERE NOT c.is_platform_operator;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER FUNCTION tenantdb_bi_margin_exemption(numeric, uuid, numeric, text, bigint, bigint) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_bi_health_status(numeric, numeric, text) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_bi_revenue_at_risk(numeric, bigint, bigint, bigint, bigint, bigint) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_bi_reporting_month() OWNER TO tenantdb_owner;

-- migrate:down
-- The views as bi 0002 defined them (the added columns cannot be dropped by CREATE OR REPLACE).
DROP VIEW deliverability_business_impact;
DROP VIEW business_cost_allocation;
DROP VIEW executive_business_summary;
CREATE VIEW executive_business_summary WITH (security_invoker = true) AS
SELECT t.tenant_id,
       t.company_name,
       t.plan_name,
       t.current_period_start,
       t.current_period_end,
       t.price_monthly                                                       AS monthly_subscription_revenue,
       t.infrastructure_cost                                                 AS infrastructure_costs,
       t.email_service_cost                                                  AS email_service_costs,
       r.gross_margin_ratio,
       CASE WHEN r.gross_margin_ratio IS NULL THEN 0  -- greatest and least would skip the NULL and say 100
            ELSE greatest(0, least(100, r.gross_margin_ratio * 100)) END      AS cost_efficiency_score,
       t.total_cost                                                          AS total_operational_cost,
       t.price_monthly - t.total_cost                                        AS monthly_profit,
       CASE
           WHEN t.price_monthly > 2 * t.total_cost THEN 'Excellent'
           WHEN t.price_monthly > 1.5 * t.total_cost THEN 'Good'
           WHEN t.price_monthly > t.total_cost THEN 'Monitor'
           ELSE 'Critical Action Required'
       END                                                                   AS business_health_status,
       current_date                                                          AS dashboard_date
FROM bi_tenant_monthly t
CROSS JOIN LATERAL (
    SELECT (t.price_monthly - t.total_cost) / NULLIF(t.price_monthly, 0) AS gross_margin_ratio
) r
WHERE t.month = (SELECT coalesce(
                     (SELECT s.month
                      FROM bi_refresh_state s
                      WHERE (SELECT true FROM companies c
                             WHERE (SELECT true FROM bi_tenant_monthly x
                                    WHERE x.tenant_id = c.id AND x.month = s.month LIMIT 1)
                             LIMIT 1)
                      ORDER BY s.month DESC
                      LIMIT 1),
                     (SELECT max(x.month) FROM bi_tenant_monthly x)));
COMMENT ON VIEW executive_business_summary IS
    'Per customer, the reporting month: revenue is the plan''s monthly price (as the dashboard''s users expect); '
    'gross_margin_ratio = (revenue - cost) / revenue, NULL without revenue; cost_efficiency_score = the ratio x '
    '100 clamped to 0..100 (0 when NULL); business_health_status Excellent when revenue > 2 x cost, Good > 1.5 x, '
    'Monitor > 1 x, else Critical Action Required.';
GRANT SELECT ON executive_business_summary TO business_analysts, db_administrators;

CREATE VIEW business_cost_allocation WITH (security_invoker = true) AS
SELECT t.tenant_id,
       t.company_name,
       t.plan_name,
       t.price_monthly,
       t.infrastructure_cost                                         AS total_infrastructure_cost,
       t.email_service_cost                                          AS total_email_service_cost,
       t.total_cost / NULLIF(t.emails_delivered, 0)                  AS cost_per_email_delivered,
       t.total_cost                                                  AS total_monthly_cost,
       t.recognized_revenue - t.total_cost                           AS monthly_profit,
       t.recognized_revenue / NULLIF(t.total_cost, 0)                AS business_efficiency_ratio
FROM bi_tenant_monthly t
WHERE t.month = (SELECT coalesce(
                     (SELECT s.month
                      FROM bi_refresh_state s
                      WHERE (SELECT true FROM companies c
                             WHERE (SELECT true FROM bi_tenant_monthly x
                                    WHERE x.tenant_id = c.id AND x.month = s.month LIMIT 1)
                             LIMIT 1)
                      ORDER BY s.month DESC
                      LIMIT 1),
                     (SELECT max(x.month) FROM bi_tenant_monthly x)));
COMMENT ON VIEW business_cost_allocation IS
    'Per customer, the reporting month: revenue is recognized revenue (billing ledger, refunds deducted); '
    'cost_per_email_delivered = cost / delivered e-mails (cost only, NULL without deliveries); '
    'business_efficiency_ratio = revenue / cost (dollars earned per dollar spent, not a margin; NULL without cost).';
GRANT SELECT ON business_cost_allocation TO business_analysts, db_administrators;

CREATE VIEW deliverability_business_impact WITH (security_invoker = true) AS
SELECT d.tenant_id                                                                   AS company_id,
       d.day                                                                         AS tracking_date,
       d.sent                                                                        AS emails_sent,
       b.bounced                                                                     AS emails_bounced,
       d.spam_complaints                                                             AS emails_spam,
       b.bounced::numeric / NULLIF(d.sent, 0)                                        AS bounce_rate,
       d.spam_complaints::numeric / NULLIF(d.delivered, 0)                           AS spam_rate,
       0.05 * b.bounced + 0.25 * d.spam_complaints                                   AS estimated_revenue_loss,
       CASE
           WHEN d.sent = 0 THEN 'insufficient_data'
           WHEN b.bounced > 0.10 * d.sent THEN 'critical_action_required'
           WHEN b.bounced > 0.05 * d.sent THEN 'monitoring_needed'
           ELSE 'acceptable'
       END                                                                           AS business_risk_level,
       0.05 * greatest(0, b.bounced - 0.02 * d.sent)
           + 0.25 * greatest(0, d.spam_complaints - 0.001 * d.delivered)             AS potential_savings
FROM (SELECT (SELECT coalesce(
          (SELECT s.month
           FROM bi_refresh_state s
           WHERE (SELECT true FROM companies c
                  WHERE (SELECT true FROM bi_tenant_monthly x
                         WHERE x.tenant_id = c.id AND x.month = s.month LIMIT 1)
                  LIMIT 1)
           ORDER BY s.month DESC
           LIMIT 1),
          (SELECT max(x.month) FROM bi_tenant_monthly x))) AS first_day) m
CROSS JOIN companies c
-- Customer by customer: the reporting month of each is one range of deliverability_daily_day_idx (tenant_id, day).
CROSS JOIN LATERAL (
    SELECT x.tenant_id, x.day, x.sent, x.delivered, x.bounced_hard, x.bounced_soft, x.spam_complaints
    FROM deliverability_daily x
    WHERE x.tenant_id = c.id
      AND x.day >= m.first_day
      AND x.day < (m.first_day + interval '1 month')::date
) d
CROSS JOIN LATERAL (SELECT d.bounced_hard + d.bounced_soft AS bounced) b
WHERE NOT c.is_platform_operator;
COMMENT ON VIEW deliverability_business_impact IS
    'Per customer and day of the reporting month: bounce_rate = (hard + soft bounces) / sent, spam_rate = '
    'complaints / delivered (NULL without volume); estimated_revenue_loss at $0.05 per bounce and $0.25 per '
    'complaint; business_risk_level insufficient_data without volume (never acceptable), critical_action_required '
    'above a 10% bounce rate, monitoring_needed above 5%; potential_savings = the loss avoided at a 2% bounce and a '
    '0.1% complaint rate.';
GRANT SELECT ON deliverability_business_impact TO business_analysts, db_administrators;


ALTER VIEW executive_business_summary OWNER TO tenantdb_owner;
ALTER VIEW business_cost_allocation OWNER TO tenantdb_owner;
ALTER VIEW deliverability_business_impact OWNER TO tenantdb_owner;
DROP FUNCTION tenantdb_bi_reporting_month();
DROP FUNCTION tenantdb_bi_revenue_at_risk(numeric, bigint, bigint, bigint, bigint, bigint);
DROP FUNCTION tenantdb_bi_health_status(numeric, numeric, text);
DROP FUNCTION tenantdb_bi_margin_exemption(numeric, uuid, numeric, text, bigint, bigint);
ALTER TABLE bi_tenant_monthly DROP COLUMN subscription_status;

-- migrate:verify
SELECT 'function ' || f.name || ' is missing' AS problem
FROM unnest(ARRAY['tenantdb_bi_margin_exemption(numeric, uuid, numeric, text, bigint, bigint)',
                  'tenantdb_bi_health_status(numeric, numeric, text)',
                  'tenantdb_bi_revenue_at_risk(numeric, bigint, bigint, bigint, bigint, bigint)',
                  'tenantdb_bi_reporting_month()']) AS f (name)
WHERE to_regprocedure(f.name) IS NULL;
