-- Seed data for core: companies (the tenants), their users, teams and members, licenses and a short audit
-- history. `tenantdb seed` runs it in one transaction, as a role that bypasses row-level security, after
-- setting (set_config(..., true)):
--   tenantdb.seed_tenants      how many companies to add
--   tenantdb.seed_random_seed  every generated value is a function of (this seed, a key): same seed, same data
--   tenantdb.seed_as_of        the UTC date the generated history ends; its midnight is "now" for the data
-- Core is seeded first, and leaves for the modules seeded after it in the same session:
--   pg_temp.seed_batch         the companies this run added, with the facts the other modules derive theirs from
--   pg_temp.seed_unit(key)     a number in [0, 1); seed_int(key, low, high), seed_pick(key, options) and
--                              seed_uuid(key) build on it; seed_now() is the end of the history.
-- The helpers are plain SQL expressions (inlined by the planner), and a key names each value (e.g.
-- 'user-status/<tenant_id>/<n>'), so no value depends on the order rows are produced in. Keys the other modules
-- rebuild: seed_uuid('user/<tenant_id>/<n>') is the user_id of a company's n-th user (1 to size; 1 is the owner).
-- md5 makes the same seed give the same data on every PostgreSQL version and platform.

CREATE OR REPLACE FUNCTION pg_temp.seed_unit(key text) RETURNS double precision
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
    SELECT ('x' || substr(md5(current_setting('tenantdb.seed_random_seed') || '/' || key), 1, 12))::bit(48)::bigint
           ::double precision / 281474976710656
$$;

CREATE OR REPLACE FUNCTION pg_temp.seed_int(key text, low integer, high integer) RETURNS integer
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
    SELECT low + floor(pg_temp.seed_unit(key) * (high - low + 1))::integer
$$;

CREATE OR REPLACE FUNCTION pg_temp.seed_pick(key text, options text[]) RETURNS text
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
    SELECT options[1 + floor(pg_temp.seed_unit(key) * cardinality(options))::integer]
$$;

-- A version-4-shaped uuid (variant fixed to 8): one md5 per value, so the planner can inline it.
CREATE OR REPLACE FUNCTION pg_temp.seed_uuid(key text) RETURNS uuid
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
    SELECT overlay(overlay(md5(current_setting('tenantdb.seed_random_seed') || '/uuid/' || key)
                           PLACING '4' FROM 13 FOR 1)
                   PLACING '8' FROM 17 FOR 1)::uuid
$$;

CREATE OR REPLACE FUNCTION pg_temp.seed_now() RETURNS timestamptz
LANGUAGE sql
STABLE PARALLEL SAFE
AS $$
    SELECT current_setting('tenantdb.seed_as_of')::date::timestamp AT TIME ZONE 'UTC'
$$;

DROP TABLE IF EXISTS pg_temp.seed_batch;
CREATE TEMPORARY TABLE seed_batch (
    tenant_id  uuid        PRIMARY KEY,
    ordinal    bigint      NOT NULL UNIQUE,
    name       text        NOT NULL,
    slug       text        NOT NULL,
    status     text        NOT NULL,
    size       integer     NOT NULL,
    created_at timestamptz NOT NULL,
    ended_at   timestamptz,
    first_day  date        NOT NULL,
    last_day   date        NOT NULL
);
COMMENT ON COLUMN pg_temp.seed_batch.size IS 'How many users the company has (1 to 20, most have few).';
COMMENT ON COLUMN pg_temp.seed_batch.ended_at IS 'When a churned company left, or a suspended one was suspended.';
COMMENT ON COLUMN pg_temp.seed_batch.last_day IS 'Last UTC day the company was active (sent mail, used the app).';

-- Ordinals continue after the companies already there (and after the highest ordinal a slug ends with, should some
-- have been deleted), so --append adds new tenants with new keys, slugs and addresses.
INSERT INTO pg_temp.seed_batch (tenant_id, ordinal, name, slug, status, size, created_at, ended_at, first_day,
                                last_day)
SELECT d.tenant_id, d.ordinal, d.name, d.slug, d.status, d.size, d.created_at, d.ended_at,
       (d.created_at AT TIME ZONE 'UTC')::date,
       least(current_setting('tenantdb.seed_as_of')::date - 1, (d.ended_at AT TIME ZONE 'UTC')::date)
FROM (
    SELECT s.tenant_id, s.ordinal, s.status, s.size, s.created_at,
           p.prefix || ' ' || p.suffix                                           AS name,
           lower(p.prefix) || '-' || lower(p.suffix) || '-' || s.ordinal         AS slug,
           CASE s.status
               WHEN 'churned'   THEN s.created_at + (pg_temp.seed_now() - s.created_at) * (0.30 + 0.65 * s.u_end)
               WHEN 'suspended' THEN s.created_at + (pg_temp.seed_now() - s.created_at) * (0.70 + 0.28 * s.u_end)
           END                                                                  AS ended_at
    FROM (
        SELECT o.ordinal,
               pg_temp.seed_uuid('company/' || o.ordinal)                        AS tenant_id,
               CASE
                   WHEN pg_temp.seed_unit('company-status/' || o.ordinal) < 0.06 THEN 'trial'
                   WHEN pg_temp.seed_unit('company-status/' || o.ordinal) < 0.09 THEN 'suspended'
                   WHEN pg_temp.seed_unit('company-status/' || o.ordinal) < 0.17 THEN 'churned'
                   ELSE 'active'
               END                                                               AS status,
               1 + floor(19 * pg_temp.seed_unit('company-size/' || o.ordinal) ^ 3)::integer AS size,
               pg_temp.seed_unit('company-end/' || o.ordinal)                    AS u_end,
               pg_temp.seed_now() - interval '1 day' * CASE
                   WHEN pg_temp.seed_unit('company-status/' || o.ordinal) < 0.06
                       THEN 1 + 12 * pg_temp.seed_unit('company-age/' || o.ordinal)
                   ELSE 30 + 1065 * pg_temp.seed_unit('company-age/' || o.ordinal) ^ 1.4
               END                                                               AS created_at
        FROM (SELECT greatest(count(*), max(substring(slug FROM '-([0-9]{1,9})$')::bigint)) AS existing
              FROM companies) e
        CROSS JOIN generate_series(e.existing + 1, e.existing + current_setting('tenantdb.seed_tenants')::bigint)
            AS o (ordinal)
    ) s
    CROSS JOIN LATERAL (
        SELECT pg_temp.seed_pick('company-prefix/' || s.ordinal, ARRAY[
                   'Acme', 'Bluepeak', 'Brightline', 'Cedar', 'Clearwater', 'Copper', 'Crestview', 'Delta', 'Ember',
                   'Evergreen', 'Falcon', 'Fernwood', 'Golden', 'Granite', 'Harbor', 'Hollow', 'Ironbridge',
                   'Juniper', 'Kestrel', 'Lumen', 'Maple', 'Meadow', 'Northwind', 'Nova', 'Oakridge', 'Orbit',
                   'Pinecone', 'Prairie', 'Quartz', 'Raven', 'Riverside', 'Sage', 'Silverline', 'Summit', 'Swift',
                   'Terra', 'Tidal', 'Union', 'Vertex', 'Willow']) AS prefix,
               pg_temp.seed_pick('company-suffix/' || s.ordinal, ARRAY[
                   'Analytics', 'Apparel', 'Bakery', 'Books', 'Brands', 'Cloud', 'Coffee', 'Commerce', 'Dental',
                   'Digital', 'Fitness', 'Foods', 'Goods', 'Health', 'Homes', 'Labs', 'Legal', 'Logistics',
                   'Marketing', 'Media', 'Outdoors', 'Partners', 'Pets', 'Realty', 'Software', 'Studio', 'Supply',
                   'Travel', 'Ventures', 'Wellness']) AS suffix
    ) p
) d;

INSERT INTO companies (id, name, slug, status, created_at, updated_at)
SELECT tenant_id, name, slug, status, created_at, coalesce(ended_at, created_at)
FROM pg_temp.seed_batch
ORDER BY ordinal;

-- Users: the owner signed the company up; the others joined over its life. Names are drawn without repeats
-- within a company (20 users at most, 40 first names), so e-mail addresses are unique per tenant.
INSERT INTO users (tenant_id, user_id, email, full_name, role, status, last_login_at, created_at, updated_at)
SELECT u.tenant_id, u.user_id,
       lower(u.first_name) || '.' || lower(u.last_name) || '@' || u.slug || '.example.com',
       u.first_name || ' ' || u.last_name,
       u.role, u.status, l.last_login_at, u.created_at, coalesce(l.last_login_at, u.created_at)
FROM (
    SELECT b.tenant_id, b.slug, j.n,
           pg_temp.seed_uuid('user/' || b.tenant_id || '/' || j.n)              AS user_id,
           (ARRAY['Ada', 'Ben', 'Chloe', 'Daniel', 'Elena', 'Felix', 'Grace', 'Hugo', 'Iris', 'Jonas', 'Kira',
                  'Liam', 'Maya', 'Noah', 'Olivia', 'Pablo', 'Quinn', 'Rosa', 'Samir', 'Tara', 'Umar', 'Vera',
                  'Wes', 'Xenia', 'Yusuf', 'Zoe', 'Amir', 'Bianca', 'Carlos', 'Dana', 'Emil', 'Fatima', 'Gabriel',
                  'Hana', 'Ivan', 'Julia', 'Kofi', 'Lena', 'Marco', 'Nina'])
               [1 + (pg_temp.seed_int('user-first/' || b.tenant_id, 0, 39) + j.n) % 40] AS first_name,
           (ARRAY['Adams', 'Berg', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Hansen', 'Ito', 'Jensen',
                  'Kowalski', 'Lopez', 'Meyer', 'Novak', 'Okafor', 'Park', 'Quintero', 'Rossi', 'Schmidt', 'Tanaka',
                  'Ueda', 'Varga', 'Weber', 'Xu', 'Young', 'Zimmer', 'Andersen', 'Brown', 'Chen', 'Dias',
                  'Evans', 'Fontaine', 'Gomez', 'Horvat', 'Iqbal', 'Jovanovic', 'Kim', 'Larsen', 'Moreau', 'Nagy'])
               [1 + (pg_temp.seed_int('user-last/' || b.tenant_id, 0, 39) + 7 * j.n) % 40] AS last_name,
           CASE
               WHEN j.n = 1 THEN 'owner'
               WHEN j.n <= 1 + ceil(b.size / 6.0) THEN 'admin'
               WHEN pg_temp.seed_unit('user-role/' || b.tenant_id || '/' || j.n) < 0.2 THEN 'viewer'
               ELSE 'member'
           END                                                                   AS role,
           CASE
               WHEN j.n = 1 THEN 'active'
               WHEN pg_temp.seed_unit('user-status/' || b.tenant_id || '/' || j.n) < 0.08 THEN 'invited'
               WHEN pg_temp.seed_unit('user-status/' || b.tenant_id || '/' || j.n) < 0.13 THEN 'disabled'
               ELSE 'active'
           END                                                                   AS status,
           CASE
               WHEN j.n = 1 THEN b.created_at
               ELSE b.created_at + (coalesce(b.ended_at, pg_temp.seed_now()) - b.created_at)
                                   * 0.9 * pg_temp.seed_unit('user-joined/' || b.tenant_id || '/' || j.n) ^ 2
           END                                                                   AS created_at,
           coalesce(b.ended_at, pg_temp.seed_now())                              AS active_until
    FROM pg_temp.seed_batch b
    CROSS JOIN generate_series(1, b.size) AS j (n)
) u
CROSS JOIN LATERAL (
    SELECT CASE u.status
               WHEN 'active' THEN greatest(u.created_at, u.active_until - interval '14 days'
                                                         * pg_temp.seed_unit('user-login/' || u.user_id))
               WHEN 'disabled' THEN u.created_at + (u.active_until - u.created_at) * 0.5
                                                   * pg_temp.seed_unit('user-login/' || u.user_id)
           END AS last_login_at
) l;

-- Teams from three users up: one per five users, at most six, with distinct names.
INSERT INTO teams (tenant_id, team_id, name, created_at, updated_at)
SELECT b.tenant_id,
       pg_temp.seed_uuid('team/' || b.tenant_id || '/' || k.n),
       (ARRAY['Marketing', 'Deliverability', 'Growth', 'Support', 'Engineering', 'Sales'])
           [1 + (pg_temp.seed_int('team-names/' || b.tenant_id, 0, 5) + k.n) % 6],
       b.created_at + (coalesce(b.ended_at, pg_temp.seed_now()) - b.created_at) * 0.05 * k.n,
       b.created_at + (coalesce(b.ended_at, pg_temp.seed_now()) - b.created_at) * 0.05 * k.n
FROM pg_temp.seed_batch b
CROSS JOIN generate_series(1, CASE WHEN b.size < 3 THEN 0 ELSE least(6, 1 + b.size / 5) END) AS k (n);

-- Everyone who accepted the invitation is in one team (user n in team 1 + (n - 1) % teams); every fourth user
-- is in a second one. The first member of each team leads it.
INSERT INTO team_members (tenant_id, team_id, user_id, role, joined_at)
SELECT m.tenant_id, t.team_id, u.user_id,
       CASE WHEN m.is_primary AND m.n <= m.teams THEN 'lead' ELSE 'member' END,
       greatest(u.created_at, t.created_at)
FROM (
    SELECT b.tenant_id, j.n, c.teams, x.team_no, x.is_primary
    FROM pg_temp.seed_batch b
    CROSS JOIN LATERAL (SELECT CASE WHEN b.size < 3 THEN 0 ELSE least(6, 1 + b.size / 5) END AS teams) c
    CROSS JOIN generate_series(1, b.size) AS j (n)
    CROSS JOIN LATERAL (VALUES (1 + (j.n - 1) % greatest(c.teams, 1), true),
                               (1 + j.n % greatest(c.teams, 1), false)) AS x (team_no, is_primary)
    WHERE c.teams > 0
      AND (x.is_primary OR (j.n % 4 = 0 AND c.teams > 1))
) m
JOIN users u ON u.tenant_id = m.tenant_id AND u.user_id = pg_temp.seed_uuid('user/' || m.tenant_id || '/' || m.n)
JOIN teams t ON t.tenant_id = m.tenant_id AND t.team_id = pg_temp.seed_uuid('team/' || m.tenant_id || '/' || m.team_no)
WHERE u.status <> 'invited';

-- The platform license (seats for everyone active or invited) and, for some larger companies, the
-- deliverability add-on. A churned company's licenses ended when it left.
INSERT INTO licenses (tenant_id, license_id, product, seats_total, seats_used, valid_from, valid_until, created_at,
                      updated_at)
SELECT b.tenant_id,
       pg_temp.seed_uuid('license/' || b.tenant_id || '/' || l.product),
       l.product, l.seats_total, least(l.seats_total, l.seats_used), l.valid_from,
       CASE WHEN b.status = 'churned' THEN b.ended_at END,
       l.valid_from, coalesce(b.ended_at, l.valid_from)
FROM pg_temp.seed_batch b
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE u.status IN ('active', 'invited'))::integer AS seats
    FROM users u
    WHERE u.tenant_id = b.tenant_id
) s
CROSS JOIN LATERAL (
    SELECT 'email-platform' AS product,
           CASE WHEN b.size <= 3 THEN 3 WHEN b.size <= 5 THEN 5 WHEN b.size <= 10 THEN 10 ELSE 25 END AS seats_total,
           s.seats AS seats_used,
           b.created_at AS valid_from
    UNION ALL
    SELECT 'deliverability-suite', 2, 1 + pg_temp.seed_int('addon-seats/' || b.tenant_id, 0, 1),
           b.created_at + (coalesce(b.ended_at, pg_temp.seed_now()) - b.created_at) * 0.25
    WHERE b.size >= 5
      AND pg_temp.seed_unit('addon/' || b.tenant_id) < 0.3
) l;

-- A short history per company (3 to 14 entries), each by one of its users.
INSERT INTO audit_logs (tenant_id, audit_log_id, actor_user_id, actor_email, action, object_type, object_id, details,
                        at)
SELECT a.tenant_id, a.audit_log_id, u.user_id, u.email,
       (ARRAY['user.login', 'user.invited', 'campaign.sent', 'domain.verified', 'api_key.created',
              'settings.updated', 'template.updated', 'contact_list.imported'])[a.kind],
       (ARRAY['session', 'user', 'campaign', 'domain', 'api_key', 'settings', 'template', 'contact_list'])[a.kind],
       pg_temp.seed_uuid('audit-object/' || a.audit_log_id)::text,
       jsonb_build_object('ip', host('198.51.100.0'::inet + pg_temp.seed_int('audit-ip/' || a.audit_log_id, 1, 254)),
                          'via', pg_temp.seed_pick('audit-via/' || a.audit_log_id, ARRAY['web', 'web', 'api'])),
       greatest(u.created_at, a.at)
FROM (
    SELECT b.tenant_id, b.size, k.n,
           pg_temp.seed_uuid('audit/' || b.tenant_id || '/' || k.n)                           AS audit_log_id,
           pg_temp.seed_int('audit-kind/' || b.tenant_id || '/' || k.n, 1, 8)                 AS kind,
           1 + pg_temp.seed_int('audit-actor/' || b.tenant_id || '/' || k.n, 0, b.size - 1)   AS actor,
           b.created_at + (coalesce(b.ended_at, pg_temp.seed_now()) - b.created_at)
                          * pg_temp.seed_unit('audit-at/' || b.tenant_id || '/' || k.n)       AS at
    FROM pg_temp.seed_batch b
    CROSS JOIN generate_series(1, 3 + pg_temp.seed_int('audit-count/' || b.tenant_id, 0, 11)) AS k (n)
) a
JOIN users u ON u.tenant_id = a.tenant_id AND u.user_id = pg_temp.seed_uuid('user/' || a.tenant_id || '/' || a.actor);
