-- Rename users.full_name to display_name, expand step: add the new column and a trigger that keeps it in sync.
-- Safe: old code keeps using full_name; nothing is renamed while instances run old code.
-- Source: pgroll docs, rename_column / alter_column (expand and contract); strong_migrations README, dangerous
--   operations, renaming a column (the safe way)
-- expect: none
ALTER TABLE users ADD COLUMN display_name text;
CREATE FUNCTION users_sync_display_name() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.display_name := COALESCE(NEW.display_name, NEW.full_name);
    RETURN NEW;
END
$$;
CREATE TRIGGER users_sync_display_name BEFORE INSERT OR UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION users_sync_display_name();
