-- Seed data for email_infra: the platform operator's shared sending pool, dedicated servers and IP addresses for
-- the batch's bigger customers, daily deliverability for the last 90 days and e-mail billing analytics per
-- subscription and month. Run by `tenantdb seed` after core's and billing's seed.sql in the same session: it
-- reads pg_temp.seed_batch, the pg_temp.seed_* helpers, and the batch's subscriptions, payments and
-- usage_metrics.
--
-- The e-mails a company sent each month (usage_metrics emails_sent) are spread over the days it was active,
-- weekdays heavier than weekends, with exact integer arithmetic: the days of a month add up to its metric, and
-- billing_analytics adds the same days up again.

-- The platform operator is a companies row of its own: shared servers belong to it, so no customer sees them.
INSERT INTO companies (id, name, slug, status, created_at, updated_at)
SELECT pg_temp.seed_uuid('company/platform-operator'), 'Platform Operations', 'platform-operator', 'active',
       pg_temp.seed_now() - interval '4 years', pg_temp.seed_now() - interval '4 years'
WHERE NOT EXISTS (SELECT FROM company_slugs WHERE slug = 'platform-operator');

-- Who sends from dedicated servers: Scale customers (one server) and Enterprise ones (two), once past the trial;
-- everyone else sends through the platform's shared pool. Bad senders (5 %) bounce and draw complaints far above the
-- mailbox providers' limits.
-- A dedicated server is sized to its sender: the smallest size (250 e-mails an hour doubled up to 64,000) at which
-- the customer's busiest month of the year would use at most 70 % of it, so a typical month uses 30 % to 70 %; one
-- dedicated customer of the batch in twelve (those with the lowest draw) still runs on servers eight times too big
-- (a legacy setup: the idle capacity the reports find). A customer's servers are retired when it churned or was
-- suspended, and when its subscription is past due beyond the 14 days of grace after its payment first failed.
CREATE TEMPORARY TABLE seed_senders ON COMMIT DROP AS
SELECT d.*,
       least(64000, d.fitting_capacity
                    * CASE WHEN d.servers > 0 AND NOT d.servers_retired
                                AND row_number() OVER (PARTITION BY d.servers > 0 AND NOT d.servers_retired
                                                       ORDER BY pg_temp.seed_unit('oversized/' || d.tenant_id))
                                    <= round(count(*) OVER (PARTITION BY d.servers > 0 AND NOT d.servers_retired)
                                             / 12.0)
                           THEN 8 ELSE 1 END) AS capacity
FROM (
    SELECT b.tenant_id, b.ordinal, b.slug, b.status AS company_status, b.created_at, b.ended_at, b.first_day,
           b.last_day, s.subscription_id, (p.feature_limits ->> 'emails_per_month')::bigint AS emails_limit, t.tier,
           q.bad_sender,
           CASE WHEN q.bad_sender THEN 0.06 + 0.06 * pg_temp.seed_unit('bounce-rate/' || b.tenant_id)
                ELSE 0.004 + 0.02 * pg_temp.seed_unit('bounce-rate/' || b.tenant_id) END AS bounce_rate,
           CASE WHEN q.bad_sender THEN 0.0015 + 0.004 * pg_temp.seed_unit('complaint-rate/' || b.tenant_id)
                ELSE 0.00005 + 0.0005 * pg_temp.seed_unit('complaint-rate/' || b.tenant_id) END AS complaint_rate,
           n.servers,
           CASE t.tier
               WHEN 5 THEN pg_temp.seed_int('ips/' || b.tenant_id, 3, 6)
               ELSE pg_temp.seed_int('ips/' || b.tenant_id, 1, 3)
           END AS ips,
           250 * power(2, ceil(log(2, greatest(1, v.busiest / (24 * 30 * 0.7) / greatest(n.servers, 1)
                                                  / 250)::numeric)))::integer AS fitting_capacity,
           b.status IN ('churned', 'suspended')
           OR EXISTS (SELECT FROM payments f
                      WHERE s.status = 'past_due'
                        AND f.tenant_id = s.tenant_id
                        AND f.subscription_id = s.subscription_id
                        AND f.billing_period_start = s.current_period_start
                        AND f.status = 'failed'
                        AND f.created_at + interval '14 days' < pg_temp.seed_now()) AS servers_retired
    FROM pg_temp.seed_batch b
    JOIN subscriptions s ON s.tenant_id = b.tenant_id
    JOIN plans p ON p.plan_id = s.plan_id
    CROSS JOIN LATERAL (
        SELECT array_position(ARRAY['Free', 'Starter', 'Growth', 'Scale', 'Enterprise'], p.name) AS tier
    ) t
    CROSS JOIN LATERAL (
        SELECT CASE WHEN s.status = 'trialing' THEN 0 WHEN t.tier = 5 THEN 2 WHEN t.tier = 4 THEN 1 ELSE 0 END
                   AS servers
    ) n
    CROSS JOIN LATERAL (
        SELECT coalesce(max(u.quantity), 0) AS busiest
        FROM usage_metrics u
        WHERE u.tenant_id = b.tenant_id AND u.metric = 'emails_sent'
    ) v
    CROSS JOIN LATERAL (SELECT pg_temp.seed_unit('sender-quality/' || b.tenant_id) < 0.05 AS bad_sender) q
) d;

-- Shared servers (5,000 e-mails an hour each, at least two) sized like dedicated ones: enough that the busiest month
-- of every customer without a dedicated server together uses at most 70 % of them; re-seeding with --append adds
-- the missing ones.
INSERT INTO vps_instances (tenant_id, vps_instance_id, hostname, tenancy, status, provider, region,
                           capacity_emails_per_hour, created_at, updated_at)
SELECT o.id, pg_temp.seed_uuid('shared-vps/' || k.n),
       'mta-shared-' || lpad(k.n::text, greatest(3, length(k.n::text)), '0') || '.platform.example.net',
       'shared',
       CASE WHEN k.n % 13 = 0 THEN 'retired' WHEN k.n % 7 = 0 THEN 'draining' ELSE 'active' END,
       CASE WHEN k.n % 2 = 0 THEN 'ovh' ELSE 'hetzner' END,
       CASE WHEN k.n % 2 = 0 THEN 'eu-west' ELSE 'eu-central' END,
       5000,
       pg_temp.seed_now() - interval '1 day' * (30 + 1300 * pg_temp.seed_unit('shared-vps-age/' || k.n)),
       pg_temp.seed_now() - interval '1 day' * (30 + 1300 * pg_temp.seed_unit('shared-vps-age/' || k.n))
FROM companies o
CROSS JOIN (
    SELECT greatest(2, ceil(coalesce(max(m.emails), 0) / (5000 * 24 * 30 * 0.7))::integer) AS servers
    FROM (
        SELECT u.period_start, sum(u.quantity) AS emails
        FROM usage_metrics u
        WHERE u.metric = 'emails_sent'
          AND NOT EXISTS (SELECT FROM vps_instances v WHERE v.tenant_id = u.tenant_id AND v.tenancy = 'dedicated')
          AND NOT EXISTS (SELECT FROM pg_temp.seed_senders d WHERE d.tenant_id = u.tenant_id AND d.servers > 0)
        GROUP BY u.period_start
    ) m
) n
CROSS JOIN generate_series(1, n.servers) AS k (n)
WHERE o.slug = 'platform-operator'
ON CONFLICT (tenant_id, hostname) DO NOTHING;

-- Four addresses per shared server, from 100.112.0.0 up (customers' dedicated addresses are in 100.64.0.0/11).
INSERT INTO smtp_ip_addresses (tenant_id, ip_id, vps_instance_id, ip, status, warmup_started_at, reputation_score,
                               created_at, updated_at)
SELECT v.tenant_id, pg_temp.seed_uuid('shared-ip/' || v.hostname || '/' || i.n), v.vps_instance_id,
       '100.112.0.0'::inet + (substring(v.hostname FROM 'mta-shared-([0-9]+)')::integer * 4 + i.n),
       CASE WHEN v.status = 'retired' THEN 'retired' ELSE 'warmed' END,
       v.created_at + interval '1 day',
       round((75 + 24 * pg_temp.seed_unit('shared-ip-score/' || v.hostname || '/' || i.n))::numeric, 2),
       v.created_at, v.created_at
FROM vps_instances v
JOIN companies o ON o.id = v.tenant_id AND o.slug = 'platform-operator'
CROSS JOIN generate_series(0, 3) AS i (n)
WHERE v.tenancy = 'shared'
ON CONFLICT (tenant_id, ip) DO NOTHING;

INSERT INTO vps_instances (tenant_id, vps_instance_id, hostname, tenancy, status, provider, region,
                           capacity_emails_per_hour, created_at, updated_at)
SELECT v.tenant_id, v.vps_instance_id, v.hostname, 'dedicated',
       CASE
           WHEN v.servers_retired THEN 'retired'
           WHEN v.created_at > pg_temp.seed_now() - interval '3 days' THEN 'provisioning'
           ELSE 'active'
       END,
       split_part(v.location, '/', 1), split_part(v.location, '/', 2),
       v.capacity,
       v.created_at, coalesce(v.ended_at, v.created_at)
FROM (
    SELECT d.tenant_id, d.servers_retired, d.ended_at, d.capacity,
           pg_temp.seed_uuid('vps/' || d.tenant_id || '/' || k.n)                        AS vps_instance_id,
           'mta' || k.n || '.' || d.slug || '.send.example.net'                           AS hostname,
           pg_temp.seed_pick('vps-location/' || d.tenant_id || '/' || k.n,
                             ARRAY['hetzner/eu-central', 'hetzner/us-east', 'ovh/eu-west', 'digitalocean/nyc3',
                                   'aws/us-east-1', 'aws/eu-west-1', 'vultr/ams'])        AS location,
           d.created_at + (coalesce(d.ended_at, pg_temp.seed_now()) - d.created_at) * 0.15 * k.n
               * pg_temp.seed_unit('vps-age/' || d.tenant_id || '/' || k.n)              AS created_at
    FROM pg_temp.seed_senders d
    CROSS JOIN generate_series(1, d.servers) AS k (n)
) v;

-- 1 to 6 addresses per dedicated customer, spread over its servers, numbered on from the highest customer address
-- in 100.64.0.0/11. Addresses on a retired server were retired with it; bad senders burn more of theirs.
INSERT INTO smtp_ip_addresses (tenant_id, ip_id, vps_instance_id, ip, status, warmup_started_at, reputation_score,
                               created_at, updated_at)
SELECT a.tenant_id, a.ip_id, a.vps_instance_id, a.ip, a.status,
       CASE WHEN a.status <> 'available' THEN least(pg_temp.seed_now(), a.created_at + interval '1 day') END,
       CASE a.status
           WHEN 'warmed'  THEN round((CASE WHEN a.bad_sender THEN 55 ELSE 80 END + 19 * a.u_score)::numeric, 2)
           WHEN 'warming' THEN round((50 + 40 * a.u_score)::numeric, 2)
           WHEN 'burned'  THEN round((3 + 32 * a.u_score)::numeric, 2)
           WHEN 'retired' THEN round((20 + 60 * a.u_score)::numeric, 2)
       END,
       a.created_at, a.created_at
FROM (
    SELECT i.*,
           CASE
               WHEN i.server_status = 'retired' THEN 'retired'
               WHEN i.created_at > pg_temp.seed_now() - interval '30 days' THEN 'warming'
               WHEN i.u_status < CASE WHEN i.bad_sender THEN 0.35 ELSE 0.04 END THEN 'burned'
               WHEN i.u_status < CASE WHEN i.bad_sender THEN 0.45 ELSE 0.14 END THEN 'warming'
               WHEN i.u_status < CASE WHEN i.bad_sender THEN 0.50 ELSE 0.19 END THEN 'available'
               ELSE 'warmed'
           END AS status
    FROM (
        SELECT d.tenant_id, d.bad_sender, v.vps_instance_id, v.status AS server_status, k.ip_id,
               f.first_ip + (row_number() OVER (ORDER BY d.ordinal, g.n) - 1)                AS ip,
               pg_temp.seed_unit('ip-status/' || k.ip_id)                                    AS u_status,
               pg_temp.seed_unit('ip-score/' || k.ip_id)                                     AS u_score,
               v.created_at + (coalesce(d.ended_at, pg_temp.seed_now()) - v.created_at) * 0.2
                              * pg_temp.seed_unit('ip-age/' || k.ip_id)                      AS created_at
        FROM pg_temp.seed_senders d
        CROSS JOIN generate_series(1, d.ips) AS g (n)
        CROSS JOIN LATERAL (SELECT pg_temp.seed_uuid('ip/' || d.tenant_id || '/' || g.n) AS ip_id) k
        JOIN vps_instances v
          ON v.tenant_id = d.tenant_id
         AND v.vps_instance_id = pg_temp.seed_uuid('vps/' || d.tenant_id || '/' || (1 + (g.n - 1) % d.servers))
        CROSS JOIN (
            SELECT coalesce(max(a.ip) + 1, '100.64.0.0'::inet) AS first_ip
            FROM smtp_ip_addresses a
            WHERE a.ip << '100.64.0.0/11'
        ) f
        WHERE d.servers > 0
    ) i
) a;

-- Every active day of the batch's companies in the last 12 months, with what was sent and what happened to it.
-- A day's share of its month is its weight (a weekday about three times a weekend day) over the month's weights;
-- integer division, with the remainder on the month's last day, makes the days add up to the month exactly.
CREATE TEMPORARY TABLE seed_email_days ON COMMIT DROP AS
WITH days AS (
    SELECT s.tenant_id, s.bad_sender, s.bounce_rate, s.complaint_rate, m.period_start AS month, g.day::date AS day,
           m.quantity::bigint AS emails,
           CASE WHEN extract(isodow FROM g.day) IN (6, 7) THEN 35 ELSE 100 END
               * pg_temp.seed_int('day-weight/' || s.tenant_id || '/' || g.day::date, 75, 125) AS weight
    FROM pg_temp.seed_senders s
    JOIN usage_metrics m ON m.tenant_id = s.tenant_id AND m.metric = 'emails_sent'
    CROSS JOIN generate_series(greatest(m.period_start, s.first_day)::timestamp,
                               least((m.period_start + interval '1 month')::date - 1, s.last_day)::timestamp,
                               interval '1 day') AS g (day)
), shares AS (
    SELECT d.*, d.emails * d.weight / sum(d.weight) OVER (PARTITION BY d.tenant_id, d.month) AS share
    FROM days d
), sends AS (
    SELECT s.tenant_id, s.month, s.day, s.bad_sender, s.bounce_rate, s.complaint_rate,
           (s.share + CASE WHEN row_number() OVER (PARTITION BY s.tenant_id, s.month ORDER BY s.day DESC) = 1
                           THEN s.emails - sum(s.share) OVER (PARTITION BY s.tenant_id, s.month)
                           ELSE 0 END)::bigint AS sent
    FROM shares s
), outcomes AS (
    SELECT s.*,
           floor(s.sent * s.bounce_rate
                 * (0.7 + 0.6 * pg_temp.seed_unit('bounces/' || s.tenant_id || '/' || s.day)))::bigint AS bounced,
           0.7 + 0.6 * pg_temp.seed_unit('complaints/' || s.tenant_id || '/' || s.day) AS complaint_noise
    FROM sends s
)
SELECT o.tenant_id, o.month, o.day, o.sent,
       o.sent - o.bounced                                                                AS delivered,
       o.bounced - o.bounced * 45 / 100                                                  AS bounced_hard,
       o.bounced * 45 / 100                                                              AS bounced_soft,
       floor(o.bounced * CASE WHEN o.bad_sender THEN 0.5 ELSE 0.15 END)::bigint          AS blocked,
       floor((o.sent - o.bounced) * o.complaint_rate * o.complaint_noise)::bigint        AS spam_complaints
FROM outcomes o;

INSERT INTO deliverability_daily (tenant_id, day, sent, delivered, bounced_hard, bounced_soft, spam_complaints,
                                  blocked, created_at, updated_at)
SELECT d.tenant_id, d.day, d.sent, d.delivered, d.bounced_hard, d.bounced_soft, d.spam_complaints, d.blocked,
       least(pg_temp.seed_now(), (d.day + 1)::timestamp AT TIME ZONE 'UTC' + interval '1 hour'),
       least(pg_temp.seed_now(), (d.day + 1)::timestamp AT TIME ZONE 'UTC' + interval '1 hour')
FROM pg_temp.seed_email_days d
WHERE d.day >= current_setting('tenantdb.seed_as_of')::date - 90;

-- Per subscription and month: the month's e-mails (the days above added up), revenue as captured (succeeded
-- payments for the period, less their refunds: the plan price plus the previous month's overage), and the
-- modeled cost: dedicated servers and addresses, or an allocation of the shared pool per e-mail.
INSERT INTO billing_analytics (tenant_id, subscription_id, period_start, period_end, emails_sent, emails_delivered,
                               emails_bounced, spam_complaints, overage_emails, revenue, infrastructure_cost,
                               currency, created_at, updated_at)
SELECT e.tenant_id, s.subscription_id, e.month, (e.month + interval '1 month')::date,
       e.sent, e.delivered, e.bounced, e.complaints,
       greatest(0, e.sent - s.emails_limit),
       coalesce(r.revenue, 0),
       round((e.sent * CASE WHEN s.servers > 0 THEN 0.00001 ELSE 0.00012 END
              + coalesce(c.servers, 0) * 45 + coalesce(c.addresses, 0) * 3.5)::numeric, 2),
       'USD',
       least(pg_temp.seed_now(), (e.month + interval '1 month')::timestamp AT TIME ZONE 'UTC'),
       least(pg_temp.seed_now(), (e.month + interval '1 month')::timestamp AT TIME ZONE 'UTC')
FROM (
    SELECT d.tenant_id, d.month, sum(d.sent)::bigint AS sent, sum(d.delivered)::bigint AS delivered,
           sum(d.bounced_hard + d.bounced_soft)::bigint AS bounced, sum(d.spam_complaints)::bigint AS complaints
    FROM pg_temp.seed_email_days d
    GROUP BY d.tenant_id, d.month
) e
JOIN pg_temp.seed_senders s ON s.tenant_id = e.tenant_id
LEFT JOIN LATERAL (
    SELECT sum(p.amount + coalesce((SELECT sum(t.amount)
                                    FROM billing_transactions t
                                    WHERE t.tenant_id = p.tenant_id
                                      AND t.payment_id = p.payment_id
                                      AND t.kind = 'refund'), 0)) AS revenue
    FROM payments p
    WHERE p.tenant_id = e.tenant_id
      AND p.subscription_id = s.subscription_id
      AND p.billing_period_start = e.month::timestamp AT TIME ZONE 'UTC'
      AND p.status = 'succeeded'
) r ON true
LEFT JOIN LATERAL (
    SELECT count(DISTINCT v.vps_instance_id) AS servers, count(a.ip_id) AS addresses
    FROM vps_instances v
    LEFT JOIN smtp_ip_addresses a
           ON a.tenant_id = v.tenant_id
          AND a.vps_instance_id = v.vps_instance_id
          AND a.created_at < (e.month + interval '1 month')::timestamp AT TIME ZONE 'UTC'
    WHERE v.tenant_id = e.tenant_id
      AND v.created_at < (e.month + interval '1 month')::timestamp AT TIME ZONE 'UTC'
) c ON true;
