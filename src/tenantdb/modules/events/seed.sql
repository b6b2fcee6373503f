-- Seed data for events: a plausible event history over the seeded months, written through the module's own
-- functions, as the application and the operator write it. Run by `tenantdb seed` after core's seed.sql (and after
-- email_infra's and billing's when they are enabled) in the same session: it reads pg_temp.seed_batch and the
-- pg_temp.seed_* helpers.
--
-- * Delivery outcomes for every seeded company and day of the last 90 days through
--   tenantdb_events_record_outcomes, one batch per day: the volumes of email_infra's deliverability_daily when it
--   has the company's days (so both count the same e-mails), else volumes of their own. Bounced, blocked and
--   spam-complained e-mails cost what the shared pool charges per e-mail (0.00012 $).
-- * Application revenue impacts (churn, downgrade, upgrade, payment_failure) of the seeded companies, three in four
--   resolved within the 2-hour response target, the rest later or never.
-- * A handful of strategic decisions (once per database), decided in 4 to 120 hours, one still open.
-- History older than the months the migration gave partitions stays in the default partitions until
-- tenantdb_events_create_partitions() gives its months partitions of their own.

CREATE TEMPORARY TABLE seed_event_days (
    tenant_id uuid   NOT NULL,
    day       date   NOT NULL,
    sent      bigint NOT NULL,
    delivered bigint NOT NULL,
    bounced   bigint NOT NULL,
    spam      bigint NOT NULL,
    blocked   bigint NOT NULL,
    PRIMARY KEY (tenant_id, day)
) ON COMMIT DROP;

-- PL/pgSQL plans a statement when it first runs it, so the branch reading deliverability_daily is only planned
-- where the table exists.
DO $$
BEGIN
    IF to_regclass('deliverability_daily') IS NOT NULL THEN
        INSERT INTO pg_temp.seed_event_days
        SELECT d.tenant_id, d.day, d.sent, d.delivered, d.bounced_hard + d.bounced_soft, d.spam_complaints, d.blocked
        FROM deliverability_daily d
        JOIN pg_temp.seed_batch b ON b.tenant_id = d.tenant_id
        WHERE d.day >= current_setting('tenantdb.seed_as_of')::date - 90
          AND d.sent > 0;
    END IF;
    -- Companies without deliverability days (email_infra not enabled, or seeded after this module): a day's sends
    -- of their own, most delivered, a few bounced, blocked or complained about.
    INSERT INTO pg_temp.seed_event_days
    SELECT g.tenant_id, g.day, g.sent, g.sent - g.bounced - g.blocked, g.bounced,
           floor((g.sent - g.bounced) * 0.0004 * pg_temp.seed_unit('spam/' || g.key))::bigint, g.blocked
    FROM (
        SELECT v.*,
               floor(v.sent * (0.004 + 0.03 * pg_temp.seed_unit('bounce/' || v.key)))::bigint AS bounced,
               floor(v.sent * 0.004 * pg_temp.seed_unit('blocked/' || v.key))::bigint AS blocked
        FROM (
            SELECT b.tenant_id, d::date AS day, b.tenant_id || '/' || d::date AS key,
                   pg_temp.seed_int('sent/' || b.tenant_id || '/' || d::date, 150, 4000)::bigint AS sent
            FROM pg_temp.seed_batch b
            CROSS JOIN LATERAL generate_series(greatest(b.first_day, current_setting('tenantdb.seed_as_of')::date - 90),
                                               least(b.last_day, current_setting('tenantdb.seed_as_of')::date - 1),
                                               interval '1 day') AS d
            WHERE NOT EXISTS (SELECT FROM pg_temp.seed_event_days e WHERE e.tenant_id = b.tenant_id)
        ) v
    ) g;
END;
$$;

-- One ingest batch per day for the whole run (its id names the run's first company, so --append counts its own
-- companies instead of replaying an earlier run's batch); an element per tenant and outcome stands for that many
-- e-mails, sent in the middle of the UTC day.
SELECT tenantdb_events_record_outcomes(
           pg_temp.seed_uuid('delivery-outcomes/' || o.day || '/' || (SELECT min(ordinal) FROM pg_temp.seed_batch)),
           array_agg(o.tenant_id ORDER BY o.tenant_id, o.kind),
           array_agg(o.day + time '12:00' AT TIME ZONE 'UTC' ORDER BY o.tenant_id, o.kind),
           array_agg(o.kind ORDER BY o.tenant_id, o.kind),
           array_agg(o.emails * 0.00012 ORDER BY o.tenant_id, o.kind),
           array_agg(o.emails ORDER BY o.tenant_id, o.kind))
FROM (
    SELECT d.tenant_id, d.day, k.kind, k.emails
    FROM pg_temp.seed_event_days d
    CROSS JOIN LATERAL (VALUES ('sent', d.sent), ('delivered', d.delivered), ('bounced', d.bounced),
                               ('spam', d.spam), ('blocked', d.blocked)) AS k (kind, emails)
    WHERE k.emails > 0
) o
GROUP BY o.day;

-- What each company pays a month: its plan's price when billing is seeded, else a price of its own.
CREATE TEMPORARY TABLE seed_event_prices (tenant_id uuid PRIMARY KEY, price numeric(14,2) NOT NULL) ON COMMIT DROP;
DO $$
BEGIN
    IF to_regclass('subscriptions') IS NOT NULL AND to_regclass('plans') IS NOT NULL THEN
        INSERT INTO pg_temp.seed_event_prices
        SELECT s.tenant_id, max(p.price_monthly)
        FROM subscriptions s
        JOIN plans p ON p.plan_id = s.plan_id
        JOIN pg_temp.seed_batch b ON b.tenant_id = s.tenant_id
        WHERE p.price_monthly > 0
        GROUP BY s.tenant_id;
    ELSE
        INSERT INTO pg_temp.seed_event_prices
        SELECT b.tenant_id, pg_temp.seed_pick('price/' || b.tenant_id, ARRAY['29', '49', '99', '249', '499'])::numeric
        FROM pg_temp.seed_batch b;
    END IF;
END;
$$;

-- The revenue impacts: a churned company's churn when it left, a suspended one's failed payment before it was
-- suspended, and among the others some upgrades, downgrades and failed payments in the last 90 days. How long the
-- response took, in a random order of the losses (and of the gains): one in ten (at least one) never resolved, the
-- next two in ten (at least one) resolved late (3 to 72 hours), the rest within the 2-hour target (5 to 115 minutes).
CREATE TEMPORARY TABLE seed_event_impacts ON COMMIT DROP AS
WITH impacts AS (
    SELECT b.tenant_id || '/' || k.impact_type AS key, b.tenant_id, k.impact_type, k.detected_at,
           round(p.price * k.share, 2) AS amount, p.price AS customer_value, k.urgency
    FROM pg_temp.seed_batch b
    JOIN pg_temp.seed_event_prices p ON p.tenant_id = b.tenant_id
    CROSS JOIN LATERAL (
        SELECT pg_temp.seed_now()
               - make_interval(mins => pg_temp.seed_int('impact-at/' || b.tenant_id, 60, 90 * 24 * 60)) AS recent
    ) t
    CROSS JOIN LATERAL (
        VALUES ('churn', b.ended_at, -1.0, 'high', b.status = 'churned'),
               ('payment_failure', b.ended_at - interval '3 days', -1.0, 'critical', b.status = 'suspended'),
               ('payment_failure', t.recent, -1.0, 'high', b.status NOT IN ('churned', 'suspended')
                                                           AND pg_temp.seed_unit('payment-failure/' || b.tenant_id) < 0.12),
               ('upgrade', t.recent, 0.5, 'low', b.status NOT IN ('churned', 'suspended')
                                                 AND pg_temp.seed_unit('upgrade/' || b.tenant_id) < 0.15),
               ('downgrade', t.recent, -0.4, 'medium', b.status NOT IN ('churned', 'suspended')
                                                       AND pg_temp.seed_unit('downgrade/' || b.tenant_id) < 0.10)
    ) AS k (impact_type, detected_at, share, urgency, applies)
    WHERE k.applies
      AND k.detected_at >= b.created_at
      AND k.detected_at < pg_temp.seed_now()
), ranked AS (
    SELECT i.*, pg_temp.seed_uuid('revenue-impact/' || i.key) AS impact_id,
           row_number() OVER (PARTITION BY i.amount < 0 ORDER BY pg_temp.seed_unit('response/' || i.key), i.key)
               AS place,
           count(*) OVER (PARTITION BY i.amount < 0) AS impacts
    FROM impacts i
)
SELECT r.*,
       CASE WHEN r.place <= greatest(1, round(r.impacts * 0.1)) THEN NULL
            WHEN r.place <= greatest(2, round(r.impacts * 0.3))
                THEN r.detected_at + make_interval(hours => pg_temp.seed_int('response-hours/' || r.key, 3, 72))
            ELSE r.detected_at + make_interval(mins => pg_temp.seed_int('response-minutes/' || r.key, 5, 115))
       END AS resolved_at
FROM ranked r;

SELECT tenantdb_events_record_revenue_impact(i.tenant_id, i.impact_type, i.amount, i.urgency, i.customer_value,
                                             i.detected_at, 'application', jsonb_build_object('seeded', true),
                                             i.impact_id)
FROM pg_temp.seed_event_impacts i
ORDER BY i.detected_at;

SELECT tenantdb_events_resolve_revenue_impact(i.tenant_id, i.impact_id, i.resolved_at)
FROM pg_temp.seed_event_impacts i
WHERE i.resolved_at <= pg_temp.seed_now()
ORDER BY i.resolved_at;

-- A handful of strategic decisions, once per database: five decided in 4 to 120 hours, one still open; one is
-- about the run's biggest customer.
CREATE TEMPORARY TABLE seed_event_decisions ON COMMIT DROP AS
SELECT pg_temp.seed_uuid('decision/' || d.n) AS decision_id, d.*,
       pg_temp.seed_now() - make_interval(days => d.days_ago) + interval '9 hours' AS opened_at
FROM (
    VALUES (1, 'Move bad senders to a quarantine IP pool', 'deliverability', NULL::uuid, NULL::numeric, 62, 6,
            'approved'),
           (2, 'Raise the Pro plan to $59', 'pricing', NULL, 2400.00, 47, 72, 'approved'),
           (3, 'Open a second sending region (eu-west)', 'infrastructure', NULL, 5000.00, 40, 120, 'deferred'),
           (4, 'Win-back offer for churned Scale customers', 'retention', NULL, 1500.00, 26, 30, 'rejected'),
           (5, 'Reprice the biggest customer''s contract', 'pricing',
            (SELECT p.tenant_id FROM pg_temp.seed_event_prices p ORDER BY p.price DESC, p.tenant_id LIMIT 1),
            800.00, 12, 4, 'approved'),
           (6, 'Consolidate idle dedicated servers', 'infrastructure', NULL, 900.00, 3, NULL, NULL)
) AS d (n, title, category, tenant_id, expected_value, days_ago, hours, outcome)
WHERE NOT EXISTS (SELECT FROM strategic_decisions);

SELECT tenantdb_events_open_decision(d.title, d.category, d.tenant_id, d.expected_value, d.opened_at, d.decision_id)
FROM pg_temp.seed_event_decisions d
ORDER BY d.n;

SELECT tenantdb_events_decide(d.decision_id, d.outcome, d.opened_at + make_interval(hours => d.hours),
                              'seeded decision')
FROM pg_temp.seed_event_decisions d
WHERE d.outcome IS NOT NULL
ORDER BY d.n;
