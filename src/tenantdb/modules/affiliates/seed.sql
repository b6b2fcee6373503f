-- Seed data for affiliates: three dozen partners (created on the first run), the partner that referred about a
-- fifth of the batch's companies with the clicks that led there, a commission on each captured payment of a
-- converted referral, and the monthly payouts of the commissions already paid. Run by `tenantdb seed` after
-- core's and billing's seed.sql in the same session (pg_temp.seed_batch, the pg_temp.seed_* helpers, the batch's
-- subscriptions and payments). The affiliates' referral counts and earnings are summed on read (affiliate_totals).

INSERT INTO affiliates (affiliate_id, code, name, email, commission_rate, currency, status, created_at, updated_at)
SELECT pg_temp.seed_uuid('affiliate/' || a.handle),
       a.handle || '-' || lpad(a.n::text, 2, '0'),
       a.title,
       'partners@' || a.handle || '.example.org',
       (ARRAY[0.15, 0.20, 0.20, 0.25, 0.30])[1 + a.n % 5],
       'USD',
       CASE WHEN a.n IN (7, 29) THEN 'pending' WHEN a.n = 17 THEN 'suspended' WHEN a.n = 33 THEN 'closed'
            ELSE 'active' END,
       pg_temp.seed_now() - interval '1460 days' + interval '7 days' * a.n,
       pg_temp.seed_now() - interval '1460 days' + interval '7 days' * a.n
FROM unnest(ARRAY['inboxpros', 'sendwise', 'growthhacks', 'mailcraft', 'deliverhq', 'listbuilders', 'saasreviews',
                  'emailgeeks', 'coldoutreach', 'shopifyexperts', 'creatorstack', 'b2bgrowth', 'nocodeguide',
                  'marketingmonk', 'startupstack', 'techradarblog', 'agencyhub', 'funnelfolks', 'retentionlab',
                  'dtcweekly', 'newsletterops', 'automationhq', 'leadmagnets', 'copyclinic', 'inboxinsider',
                  'growthloops', 'smbtools', 'cmoplaybook', 'ecomguru', 'devtoolsdigest', 'saasmentor',
                  'deliverabilitydoc', 'salesstack', 'contentcrew', 'launchlist', 'webinarworks'],
            ARRAY['Inbox Pros Media', 'Sendwise Consulting', 'Growth Hacks Weekly', 'Mailcraft Studio', 'Deliver HQ',
                  'List Builders Co', 'SaaS Reviews', 'Email Geeks Community', 'Cold Outreach Academy',
                  'Shopify Experts Network', 'Creator Stack', 'B2B Growth Partners', 'No-Code Guide',
                  'Marketing Monk', 'Startup Stack', 'Tech Radar Blog', 'Agency Hub', 'Funnel Folks',
                  'Retention Lab', 'DTC Weekly', 'Newsletter Ops', 'Automation HQ', 'Lead Magnets Ltd',
                  'Copy Clinic', 'Inbox Insider', 'Growth Loops', 'SMB Tools', 'CMO Playbook', 'Ecom Guru',
                  'Devtools Digest', 'SaaS Mentor', 'The Deliverability Doc', 'Sales Stack', 'Content Crew',
                  'Launch List', 'Webinar Works'])
    WITH ORDINALITY AS a (handle, title, n)
ON CONFLICT (code) DO NOTHING;

-- About a fifth of the batch signed up through a partner that was taking referrals then. A referral converted
-- once the company paid, is still pending otherwise, and 5 % were rejected (self-referrals, fraud).
CREATE TEMPORARY TABLE seed_referrals ON COMMIT DROP AS
SELECT b.tenant_id, b.created_at, b.ended_at, a.affiliate_id, a.code, a.commission_rate,
       pg_temp.seed_uuid('referral/' || b.tenant_id) AS referral_id,
       CASE
           WHEN pg_temp.seed_unit('referral-rejected/' || b.tenant_id) < 0.05 THEN 'rejected'
           WHEN EXISTS (SELECT FROM payments p
                        WHERE p.tenant_id = b.tenant_id AND p.status IN ('succeeded', 'refunded')) THEN 'converted'
           ELSE 'pending'
       END AS status
FROM pg_temp.seed_batch b
CROSS JOIN LATERAL (
    SELECT f.affiliate_id, f.code, f.commission_rate
    FROM affiliates f
    WHERE f.status IN ('active', 'suspended', 'closed')
      AND f.created_at < b.created_at
    ORDER BY f.code
    OFFSET pg_temp.seed_int('referral-affiliate/' || b.tenant_id, 0, 29)
    LIMIT 1
) a
WHERE pg_temp.seed_unit('referred/' || b.tenant_id) < 0.2;

INSERT INTO affiliate_referrals (tenant_id, referral_id, affiliate_id, referred_at, status, created_at, updated_at)
SELECT r.tenant_id, r.referral_id, r.affiliate_id, r.created_at, r.status, r.created_at,
       coalesce((SELECT min(p.paid_at) FROM payments p WHERE p.tenant_id = r.tenant_id AND r.status = 'converted'),
                r.created_at)
FROM pg_temp.seed_referrals r;

-- 3 to 15 visits through the partner's links in the month before each referral, the last one just before it.
INSERT INTO affiliate_clicks (click_id, affiliate_id, clicked_at, landing_url, utm_source, utm_medium, utm_campaign,
                              ip, user_agent)
SELECT pg_temp.seed_uuid('click/' || r.tenant_id || '/' || k.n), r.affiliate_id,
       CASE WHEN k.n = 1 THEN r.created_at - interval '4 minutes'
            ELSE r.created_at - interval '30 days' * pg_temp.seed_unit('click-at/' || r.tenant_id || '/' || k.n) END,
       'https://www.example-mail.com' || pg_temp.seed_pick('click-page/' || r.tenant_id || '/' || k.n,
                                                           ARRAY['/', '/pricing', '/features/automation',
                                                                 '/compare', '/blog/deliverability-guide'])
           || '?ref=' || r.code,
       r.code,
       pg_temp.seed_pick('click-medium/' || r.tenant_id || '/' || k.n,
                         ARRAY['affiliate', 'blog', 'newsletter', 'youtube']),
       pg_temp.seed_pick('click-campaign/' || r.tenant_id || '/' || k.n,
                         ARRAY['spring_promo', 'deliverability_guide', 'black_friday', 'comparison_page']),
       '203.0.113.0'::inet + pg_temp.seed_int('click-ip/' || r.tenant_id || '/' || k.n, 1, 254),
       pg_temp.seed_pick('click-agent/' || r.tenant_id || '/' || k.n,
                         ARRAY['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
                               'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36',
                               'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148',
                               'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0'])
FROM pg_temp.seed_referrals r
CROSS JOIN generate_series(1, pg_temp.seed_int('clicks/' || r.tenant_id, 3, 15)) AS k (n);

-- A commission on every captured payment of a converted referral: void when the payment was refunded, paid
-- once the payment is 60 days old, approved after 30 days, pending before.
INSERT INTO affiliate_commissions (tenant_id, commission_id, affiliate_id, referral_id, payment_id, amount, status,
                                   created_at, updated_at)
SELECT r.tenant_id, pg_temp.seed_uuid('commission/' || p.payment_id), r.affiliate_id, r.referral_id, p.payment_id,
       round(p.amount * r.commission_rate, 2),
       CASE
           WHEN p.status = 'refunded' THEN 'void'
           WHEN p.paid_at < pg_temp.seed_now() - interval '60 days' THEN 'paid'
           WHEN p.paid_at < pg_temp.seed_now() - interval '30 days' THEN 'approved'
           ELSE 'pending'
       END,
       p.paid_at, p.paid_at
FROM pg_temp.seed_referrals r
JOIN payments p ON p.tenant_id = r.tenant_id AND p.status IN ('succeeded', 'refunded')
WHERE r.status = 'converted';

-- Payouts settle a partner's paid commissions per calendar month of the payments, two weeks after the month.
-- A later --append run adds its companies' commissions to the same payouts.
INSERT INTO affiliate_payouts (payout_id, affiliate_id, amount, currency, period_start, period_end, paid_at, created_at)
SELECT pg_temp.seed_uuid('payout/' || c.affiliate_id || '/' || c.month), c.affiliate_id, c.amount, 'USD', c.month,
       (c.month + interval '1 month')::date,
       (c.month + interval '1 month')::timestamp AT TIME ZONE 'UTC' + interval '14 days',
       (c.month + interval '1 month')::timestamp AT TIME ZONE 'UTC' + interval '10 days'
FROM (
    SELECT c.affiliate_id, date_trunc('month', p.paid_at AT TIME ZONE 'UTC')::date AS month, sum(c.amount) AS amount
    FROM affiliate_commissions c
    JOIN pg_temp.seed_referrals r ON r.tenant_id = c.tenant_id
    JOIN payments p ON p.tenant_id = c.tenant_id AND p.payment_id = c.payment_id
    WHERE c.status = 'paid'
    GROUP BY c.affiliate_id, date_trunc('month', p.paid_at AT TIME ZONE 'UTC')::date
) c
ON CONFLICT (affiliate_id, period_start) DO UPDATE
SET amount = affiliate_payouts.amount + excluded.amount;
