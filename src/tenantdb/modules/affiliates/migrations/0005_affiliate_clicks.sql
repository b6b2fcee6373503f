-- migrate:up
CREATE TABLE affiliate_clicks (
    click_id     uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    affiliate_id uuid        NOT NULL REFERENCES affiliates (affiliate_id) ON DELETE CASCADE,
    clicked_at   timestamptz NOT NULL DEFAULT now(),
    landing_url  text        NOT NULL,
    utm_source   text,
    utm_medium   text,
    utm_campaign text,
    utm_term     text,
    utm_content  text,
    ip           inet,
    user_agent   text
);
COMMENT ON TABLE affiliate_clicks IS
    'Shared table (no tenant_id): visits through an affiliate link, before any company exists; on Citus a '
    'reference table (or distributed by affiliate_id once it grows). Personal data (ip, user_agent): no tenant '
    'role reads or writes it; application_service records clicks only through tenantdb_affiliate_record_click(); '
    'business_analysts read every column except ip and user_agent; db_administrators manage it (and delete rows '
    'past their retention).';
COMMENT ON COLUMN affiliate_clicks.ip IS 'Visitor IP address: personal data, readable by db_administrators only.';
COMMENT ON COLUMN affiliate_clicks.user_agent IS
    'Visitor browser string: personal data, readable by db_administrators only.';
CREATE INDEX affiliate_clicks_affiliate_idx ON affiliate_clicks (affiliate_id, clicked_at DESC);

GRANT SELECT (click_id, affiliate_id, clicked_at, landing_url, utm_source, utm_medium, utm_campaign, utm_term,
              utm_content)
    ON affiliate_clicks TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON affiliate_clicks TO db_administrators;

CREATE FUNCTION tenantdb_affiliate_record_click(
    affiliate_code text,
    landing_url    text,
    ip             inet DEFAULT NULL,
    user_agent     text DEFAULT NULL,
    utm_source     text DEFAULT NULL,
    utm_medium     text DEFAULT NULL,
    utm_campaign   text DEFAULT NULL,
    utm_term       text DEFAULT NULL,
    utm_content    text DEFAULT NULL
) RETURNS uuid
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    INSERT INTO affiliate_clicks (affiliate_id, landing_url, utm_source, utm_medium, utm_campaign, utm_term,
                                  utm_content, ip, user_agent)
    SELECT a.affiliate_id, $2, $5, $6, $7, $8, $9, $3, $4
    FROM affiliates a
    WHERE a.code = lower($1) AND a.status = 'active'
    RETURNING click_id;
$$;
COMMENT ON FUNCTION tenantdb_affiliate_record_click(text, text, inet, text, text, text, text, text, text) IS
    'Records a visit through an affiliate link and returns its click_id (NULL when the code is unknown or the '
    'affiliate is not active). SECURITY DEFINER so the tracking endpoint (application_service) can write clicks '
    'without any privilege on the shared table: it can neither read them back nor change other rows.';
REVOKE EXECUTE ON FUNCTION tenantdb_affiliate_record_click(text, text, inet, text, text, text, text, text, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantdb_affiliate_record_click(text, text, inet, text, text, text, text, text, text)
    TO application_service;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE affiliate_clicks OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_affiliate_record_click(text, text, inet, text, text, text, text, text, text) OWNER TO tenantdb_owner;

-- migrate:down
DROP FUNCTION tenantdb_affiliate_record_click(text, text, inet, text, text, text, text, text, text);
DROP TABLE affiliate_clicks;

-- migrate:verify
SELECT 'role ' || r.rolname || ' may read affiliate_clicks, which holds personal data'
FROM pg_roles r
WHERE r.rolname IN ('application_service', 'tenant_api')
  AND has_any_column_privilege(r.oid, 'affiliate_clicks', 'SELECT');
SELECT 'role ' || r.rolname || ' may read affiliate_clicks.' || personal.col
FROM pg_roles r
CROSS JOIN unnest(ARRAY['ip', 'user_agent']) AS personal (col)
WHERE r.rolname = 'business_analysts'
  AND has_column_privilege(r.oid, 'affiliate_clicks', personal.col, 'SELECT');
