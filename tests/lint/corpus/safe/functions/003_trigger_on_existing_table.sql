-- Creates an updated_at trigger function and attaches it to vps_instances.
-- Safe: CREATE TRIGGER takes SHARE ROW EXCLUSIVE briefly and scans nothing.
-- Source: PostgreSQL docs, CREATE TRIGGER
-- expect: none
ALTER TABLE vps_instances ADD COLUMN updated_at timestamptz;
CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER vps_instances_updated_at BEFORE UPDATE ON vps_instances
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
