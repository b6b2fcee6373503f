-- Enables RLS on vps_instances and adds an operator-only policy.
-- Safe: RLS is enabled before the policy, so it takes effect.
-- Source: PostgreSQL docs, Row Security Policies
-- expect: none
ALTER TABLE vps_instances ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY operator_only ON vps_instances USING (current_user = 'app_owner');
