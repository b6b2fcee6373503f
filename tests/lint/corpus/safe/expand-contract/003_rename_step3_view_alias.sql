-- Expand step 3: expose the new name through a security_invoker view.
-- Safe: new code reads the view; old code reads the table; RLS still applies through the view.
-- Source: pgroll docs, versioned schema views
-- expect: none
CREATE VIEW users_v2 WITH (security_invoker = true) AS
    SELECT tenant_id, id, email, full_name AS display_name, status FROM users;
