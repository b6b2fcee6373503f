-- The schema every corpus case starts from: tables, roles, views and types that "already exist" (with data)
-- when a case runs. The corpus test lints this file first and each case after it, so the linter knows these
-- objects as created by an earlier migration (a table here is an existing table for the case; a table the case
-- creates itself is new). Written for the corpus; it must lint clean under the default profile.

CREATE ROLE app_owner NOLOGIN;
CREATE ROLE application_service NOLOGIN;
CREATE ROLE tenant_api NOLOGIN;
CREATE ROLE business_analysts NOLOGIN;
CREATE ROLE reporting NOLOGIN;

CREATE SCHEMA reporting;

CREATE TYPE order_status AS ENUM ('pending', 'paid', 'refunded');
CREATE DOMAIN money_amount AS numeric(12, 2);

CREATE TABLE plans (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    monthly_price numeric(12, 2) NOT NULL DEFAULT 0
);

CREATE TABLE tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    plan_id bigint REFERENCES plans (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    email text NOT NULL,
    full_name text,
    status text NOT NULL DEFAULT 'active',
    legacy_flag boolean,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE orders (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    user_id bigint NOT NULL,
    status order_status NOT NULL DEFAULT 'pending',
    amount numeric(12, 2) NOT NULL DEFAULT 0,
    total money_amount,
    coupon_code text,
    note text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE order_items (
    tenant_id uuid NOT NULL,
    order_id bigint NOT NULL,
    line integer NOT NULL,
    sku text NOT NULL,
    quantity integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, order_id, line),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id)
);

CREATE TABLE audit_logs (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    action text NOT NULL,
    details jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE usage_events (
    tenant_id uuid NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    kind text NOT NULL,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, occurred_at, id)
) PARTITION BY RANGE (occurred_at);

CREATE TABLE usage_events_2026_01 PARTITION OF usage_events
    FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');

CREATE TABLE vps_instances (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hostname text NOT NULL UNIQUE,
    region text NOT NULL,
    monthly_cost numeric(10, 2) NOT NULL DEFAULT 0
);

CREATE TABLE smtp_ip_addresses (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vps_id bigint NOT NULL REFERENCES vps_instances (id),
    address inet NOT NULL,
    warmup_stage text
);

ALTER TABLE users ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE order_items ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE usage_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

CREATE POLICY tenant_isolation ON users
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
CREATE POLICY tenant_isolation ON orders
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
CREATE POLICY tenant_isolation ON order_items
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
CREATE POLICY tenant_isolation ON audit_logs
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
CREATE POLICY tenant_isolation ON usage_events
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);

CREATE INDEX orders_created_at_idx ON orders (tenant_id, created_at);

-- first steps whose second step some cases take: constraints added NOT VALID (validated later), a unique index
-- built earlier (attached with ADD CONSTRAINT ... USING INDEX later)
ALTER TABLE users ADD CONSTRAINT users_full_name_not_null CHECK (full_name IS NOT NULL) NOT VALID;
ALTER TABLE orders ADD CONSTRAINT orders_amount_checked CHECK (amount >= 0) NOT VALID;
ALTER TABLE tenants ADD CONSTRAINT tenants_plan_checked_fk FOREIGN KEY (plan_id) REFERENCES plans (id) NOT VALID;
CREATE UNIQUE INDEX users_tenant_email_unique_idx ON users (tenant_id, email);

CREATE VIEW active_users WITH (security_invoker = true) AS
    SELECT tenant_id, id, email FROM users WHERE status = 'active';

CREATE MATERIALIZED VIEW plan_popularity AS
    SELECT plan_id, count(*) AS tenants FROM tenants GROUP BY plan_id;
CREATE UNIQUE INDEX plan_popularity_plan_idx ON plan_popularity (plan_id);

CREATE FUNCTION touch_created_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := now();
    RETURN NEW;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON users, orders, order_items, audit_logs TO application_service;
GRANT SELECT ON plans TO tenant_api;
GRANT SELECT ON active_users TO tenant_api;
