-- Seed data for billing: the plan catalog, one subscription per company of the batch, a payment per calendar
-- month for the last 12 months (a failed first attempt now and then, refunds rare), the ledger entries those
-- payments make, and metered usage (emails_sent, contacts_stored) per month. Run by `tenantdb seed` after core's
-- seed.sql in the same session: it reads pg_temp.seed_batch and the pg_temp.seed_* helpers defined there.
--
-- Billing is by calendar month: the plan price is charged at the start of the month, usage beyond the plan's
-- emails_per_month is billed in arrears on the next month's payment (overage per 1,000 e-mails).
--
-- Dunning: a payment that fails is retried three and six days later; a subscription whose period's payment failed
-- for good is past_due, and the company stops sending 14 days (the grace period) after the first failed attempt:
-- billing moves its pg_temp.seed_batch.last_day there, so the modules seeded after it (sending, servers) follow. A
-- free plan has nothing to collect: a suspended free company (abuse) has its subscription canceled, never paused or
-- past_due.

INSERT INTO plans (plan_id, name, price_monthly, billing_period, currency, feature_limits, is_active, created_at,
                   updated_at)
SELECT pg_temp.seed_uuid('plan/' || p.name), p.name, p.price, 'monthly', 'USD', p.limits, true,
       pg_temp.seed_now() - interval '4 years', pg_temp.seed_now() - interval '4 years'
FROM (
    VALUES ('Free',       0.00,   '{"seats": 1, "emails_per_month": 3000, "dedicated_ips": 0}'::jsonb),
           ('Starter',    29.00,  '{"seats": 3, "emails_per_month": 25000, "dedicated_ips": 0}'),
           ('Growth',     99.00,  '{"seats": 10, "emails_per_month": 100000, "dedicated_ips": 1}'),
           ('Scale',      299.00, '{"seats": 25, "emails_per_month": 500000, "dedicated_ips": 4}'),
           ('Enterprise', 999.00, '{"emails_per_month": 2000000, "dedicated_ips": 8}')
) AS p (name, price, limits)
ON CONFLICT (name) DO NOTHING;

-- What each company of the batch subscribed to: the smallest plan with seats for its users, upgraded one tier
-- by a sixth of them and two tiers by a few; volume is a share of the plan's e-mails (over it for some).
CREATE TEMPORARY TABLE seed_billing ON COMMIT DROP AS
SELECT b.tenant_id, b.status AS company_status, b.created_at, b.ended_at, b.first_day, b.last_day,
       pg_temp.seed_uuid('subscription/' || b.tenant_id)                          AS subscription_id,
       p.plan_id, p.name AS plan_name, p.price_monthly AS price, t.tier,
       (p.feature_limits ->> 'emails_per_month')::bigint                          AS emails_limit,
       (ARRAY[0.00, 1.00, 0.80, 0.60, 0.40])[t.tier]                              AS overage_per_1000,
       CASE
           WHEN b.status = 'trial' THEN 0.05 + 0.25 * pg_temp.seed_unit('volume/' || b.tenant_id)
           WHEN t.tier = 1 THEN 0.05 + 0.70 * pg_temp.seed_unit('volume/' || b.tenant_id)
           WHEN pg_temp.seed_unit('overage/' || b.tenant_id) < 0.12
               THEN 1.05 + 0.45 * pg_temp.seed_unit('volume/' || b.tenant_id)
           ELSE 0.25 + 0.65 * pg_temp.seed_unit('volume/' || b.tenant_id)
       END                                                                        AS volume_share,
       CASE
           WHEN b.status = 'trial' THEN 'trialing'
           WHEN b.status = 'churned' THEN 'canceled'
           WHEN b.status = 'suspended' AND t.tier = 1 THEN 'canceled'
           WHEN b.status = 'suspended' AND pg_temp.seed_unit('suspension/' || b.tenant_id) < 0.4 THEN 'paused'
           WHEN b.status = 'suspended' THEN 'past_due'
           WHEN t.tier > 1 AND pg_temp.seed_unit('past-due/' || b.tenant_id) < 0.04 THEN 'past_due'
           ELSE 'active'
       END                                                                        AS status
FROM pg_temp.seed_batch b
CROSS JOIN LATERAL (
    SELECT least(5, CASE WHEN b.size = 1 THEN 1 WHEN b.size <= 3 THEN 2 WHEN b.size <= 10 THEN 3 ELSE 4 END
                    + CASE
                          WHEN pg_temp.seed_unit('upgrade/' || b.tenant_id) < 0.03 THEN 2
                          WHEN pg_temp.seed_unit('upgrade/' || b.tenant_id) < 0.20 THEN 1
                          ELSE 0
                      END) AS tier
) t
JOIN plans p ON p.name = (ARRAY['Free', 'Starter', 'Growth', 'Scale', 'Enterprise'])[t.tier];

-- A past-due company's last month is the one whose payment failed (charged in its first hours, or when the company
-- signed up in it): past the 14 days of grace it sends nothing more.
UPDATE pg_temp.seed_billing s
SET last_day = least(s.last_day, greatest(s.first_day, date_trunc('month', s.last_day::timestamp)::date) + 13)
WHERE s.status = 'past_due' AND s.company_status = 'active';

UPDATE pg_temp.seed_batch b
SET last_day = s.last_day
FROM pg_temp.seed_billing s
WHERE s.tenant_id = b.tenant_id AND s.last_day < b.last_day;

INSERT INTO subscriptions (tenant_id, subscription_id, plan_id, status, current_period_start, current_period_end,
                           trial_end, stripe_customer_id, stripe_subscription_id, canceled_at, created_at, updated_at)
SELECT s.tenant_id, s.subscription_id, s.plan_id, s.status, w.period_start,
       CASE WHEN s.status = 'trialing' THEN w.period_start + interval '14 days'
            ELSE w.period_start + interval '1 month' END,
       CASE WHEN s.status = 'trialing' THEN s.created_at + interval '14 days' END,
       CASE WHEN s.tier > 1 OR s.status = 'trialing'
            THEN 'cus_' || left(md5(pg_temp.seed_uuid('stripe-customer/' || s.tenant_id)::text), 14) END,
       CASE WHEN s.tier > 1 OR s.status = 'trialing'
            THEN 'sub_' || left(md5(pg_temp.seed_uuid('stripe-subscription/' || s.tenant_id)::text), 14) END,
       CASE WHEN s.status = 'canceled' THEN s.ended_at END,
       s.created_at,
       greatest(s.created_at, coalesce(s.ended_at, w.period_start))
FROM pg_temp.seed_billing s
CROSS JOIN LATERAL (
    SELECT CASE
               WHEN s.status = 'trialing' THEN s.created_at
               ELSE date_trunc('month', s.last_day::timestamp) AT TIME ZONE 'UTC'
           END AS period_start
) w;

-- The company's active calendar months among the last 12 (months with at least one active day), with the
-- e-mails it sent in each: its share of the plan's volume, scaled by the days it was active that month, with
-- month-to-month variation and slow growth.
CREATE TEMPORARY TABLE seed_billing_months ON COMMIT DROP AS
SELECT m.*,
       CASE WHEN m.status <> 'trialing' AND m.tier > 1
            THEN ceil(greatest(0, m.emails_sent - m.emails_limit) / 1000.0) * m.overage_per_1000
            ELSE 0 END AS overage_fee
FROM (
    SELECT s.tenant_id, s.subscription_id, s.status, s.tier, s.plan_name, s.price, s.emails_limit,
           s.overage_per_1000, s.created_at, s.ended_at, s.company_status, mo.month, mo.month_no,
           round(s.emails_limit * s.volume_share * (0.9 + 0.1 * mo.month_no / 11.0)
                 * (0.85 + 0.30 * pg_temp.seed_unit('emails/' || s.tenant_id || '/' || mo.month))
                 * (least(s.last_day, (mo.month + interval '1 month')::date - 1)
                    - greatest(s.first_day, mo.month) + 1)
                 / ((mo.month + interval '1 month')::date - mo.month))::bigint AS emails_sent,
           (mo.month = date_trunc('month', s.last_day::timestamp)::date) AS last_month
    FROM pg_temp.seed_billing s
    CROSS JOIN LATERAL (
        SELECT g.month::date AS month, g.month_no::integer AS month_no
        FROM generate_series(date_trunc('month', (current_setting('tenantdb.seed_as_of')::date - 1)::timestamp)
                                 - interval '11 months',
                             date_trunc('month', (current_setting('tenantdb.seed_as_of')::date - 1)::timestamp),
                             interval '1 month') WITH ORDINALITY AS g (month, month_no)
    ) mo
    WHERE mo.month <= s.last_day
      AND (mo.month + interval '1 month')::date > s.first_day
) m;

INSERT INTO usage_metrics (tenant_id, metric, period_start, quantity, created_at, updated_at)
SELECT m.tenant_id, u.metric, m.month, u.quantity,
       greatest(m.created_at, m.month::timestamp AT TIME ZONE 'UTC'),
       least(pg_temp.seed_now(), (m.month + interval '1 month')::timestamp AT TIME ZONE 'UTC')
FROM pg_temp.seed_billing_months m
CROSS JOIN LATERAL (
    VALUES ('emails_sent', m.emails_sent::numeric),
           ('contacts_stored', round(m.emails_limit * (0.08 + 0.25 * pg_temp.seed_unit('contacts/' || m.tenant_id))
                                     * (0.8 + 0.2 * m.month_no / 12.0)))
) AS u (metric, quantity);

-- Paid plans pay each active month: the price plus the previous month's overage. 3 % of months need a second
-- attempt three days after a failed first one; a suspended company's last month failed for good, and so did the
-- current month of a past_due subscription (three attempts, three days apart); 2 % of current months charged in the
-- last three days are still pending; 0.5 % of payments were refunded in full later.
CREATE TEMPORARY TABLE seed_payments ON COMMIT DROP AS
SELECT a.tenant_id, a.subscription_id, a.month, a.plan_name,
       pg_temp.seed_uuid('payment/' || a.tenant_id || '/' || a.month || '/' || a.attempt)             AS payment_id,
       a.price + coalesce(previous.overage_fee, 0)                                                    AS amount,
       a.attempted_at,
       CASE
           WHEN a.attempt < a.attempts THEN 'failed'
           WHEN a.final_failure THEN 'failed'
           WHEN a.pending THEN 'pending'
           WHEN pg_temp.seed_unit('refund/' || a.tenant_id || '/' || a.month) < 0.005 THEN 'refunded'
           ELSE 'succeeded'
       END                                                                                           AS status
FROM (
    SELECT m.*, n.attempt, f.attempts, f.final_failure, f.pending,
           greatest(m.created_at + interval '5 minutes',
                    m.month::timestamp AT TIME ZONE 'UTC'
                    + interval '1 hour' * (1 + 5 * pg_temp.seed_unit('charge-hour/' || m.tenant_id || '/' || m.month)))
           + interval '3 days' * (n.attempt - 1)                                                      AS attempted_at
    FROM pg_temp.seed_billing_months m
    CROSS JOIN LATERAL (
        SELECT (m.last_month AND (m.company_status = 'suspended' OR m.status = 'past_due')) AS final_failure,
               (m.last_month AND m.status = 'active'
                AND current_setting('tenantdb.seed_as_of')::date - m.month <= 3
                AND pg_temp.seed_unit('pending/' || m.tenant_id) < 0.02)                    AS pending,
               CASE WHEN m.last_month AND (m.company_status = 'suspended' OR m.status = 'past_due') THEN 3
                    WHEN NOT m.last_month
                         AND pg_temp.seed_unit('retry/' || m.tenant_id || '/' || m.month) < 0.03
                    THEN 2 ELSE 1 END                                                       AS attempts
    ) f
    CROSS JOIN generate_series(1, f.attempts) AS n (attempt)
    WHERE m.tier > 1
      AND m.status <> 'trialing'
) a
LEFT JOIN pg_temp.seed_billing_months previous
       ON previous.tenant_id = a.tenant_id
      AND previous.month = (a.month - interval '1 month')::date
WHERE a.attempted_at < coalesce(a.ended_at, pg_temp.seed_now());

INSERT INTO payments (tenant_id, payment_id, subscription_id, amount, currency, status, billing_period_start,
                      billing_period_end, paid_at, external_payment_id, created_at, updated_at)
SELECT p.tenant_id, p.payment_id, p.subscription_id, p.amount, 'USD', p.status,
       p.month::timestamp AT TIME ZONE 'UTC',
       (p.month + interval '1 month')::timestamp AT TIME ZONE 'UTC',
       CASE WHEN p.status IN ('succeeded', 'refunded') THEN p.attempted_at END,
       'pi_' || left(replace(pg_temp.seed_uuid('stripe-payment/' || p.payment_id)::text, '-', ''), 24),
       p.attempted_at, p.attempted_at
FROM pg_temp.seed_payments p;

-- The ledger: a charge for every captured payment, the full refund of a refunded one, a partial refund on a few
-- others, and a goodwill credit or a manual adjustment for a few companies.
INSERT INTO billing_transactions (tenant_id, transaction_id, payment_id, kind, amount, currency, occurred_at,
                                  description, created_at)
SELECT t.tenant_id, t.transaction_id, t.payment_id, t.kind, t.amount, 'USD', t.occurred_at, t.description,
       t.occurred_at
FROM (
    SELECT p.tenant_id, pg_temp.seed_uuid('charge/' || p.payment_id) AS transaction_id, p.payment_id, 'charge' AS kind,
           p.amount, p.attempted_at AS occurred_at,
           p.plan_name || ' plan, ' || to_char(p.month, 'YYYY-MM') AS description
    FROM pg_temp.seed_payments p
    WHERE p.status IN ('succeeded', 'refunded')
    UNION ALL
    SELECT p.tenant_id, pg_temp.seed_uuid('refund/' || p.payment_id), p.payment_id, 'refund',
           CASE WHEN p.status = 'refunded' THEN -p.amount
                ELSE -round(p.amount * (0.2 + 0.3 * pg_temp.seed_unit('refund-share/' || p.payment_id))::numeric, 2)
           END,
           p.attempted_at + (least(pg_temp.seed_now(), p.attempted_at + interval '20 days') - p.attempted_at)
                            * pg_temp.seed_unit('refund-at/' || p.payment_id),
           CASE WHEN p.status = 'refunded' THEN 'Refund: ' ELSE 'Partial refund: ' END || to_char(p.month, 'YYYY-MM')
    FROM pg_temp.seed_payments p
    WHERE p.status = 'refunded'
       OR (p.status = 'succeeded' AND pg_temp.seed_unit('partial-refund/' || p.payment_id) < 0.005)
    UNION ALL
    SELECT s.tenant_id, pg_temp.seed_uuid('adjustment/' || s.tenant_id), NULL,
           CASE WHEN pg_temp.seed_unit('adjustment/' || s.tenant_id) < 0.05 THEN 'credit' ELSE 'adjustment' END,
           CASE WHEN pg_temp.seed_unit('adjustment/' || s.tenant_id) < 0.05
                THEN -10 * pg_temp.seed_int('credit-amount/' || s.tenant_id, 1, 5)
                ELSE pg_temp.seed_int('adjustment-amount/' || s.tenant_id, 1, 20)
                     * CASE WHEN pg_temp.seed_unit('adjustment-sign/' || s.tenant_id) < 0.5 THEN -1 ELSE 1 END
           END,
           s.created_at + (coalesce(s.ended_at, pg_temp.seed_now()) - s.created_at)
                          * pg_temp.seed_unit('adjustment-at/' || s.tenant_id),
           CASE WHEN pg_temp.seed_unit('adjustment/' || s.tenant_id) < 0.05 THEN 'Goodwill credit'
                ELSE 'Manual adjustment' END
    FROM pg_temp.seed_billing s
    WHERE s.tier > 1
      AND s.status <> 'trialing'
      AND pg_temp.seed_unit('adjustment/' || s.tenant_id) < 0.06
) t;
