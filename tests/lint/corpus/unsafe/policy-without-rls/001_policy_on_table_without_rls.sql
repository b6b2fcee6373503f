-- Creates a policy on vps_instances, where row-level security was never enabled.
-- Unsafe: policies do nothing until RLS is enabled: the author believes rows are filtered and they are not.
-- Source: issue 15, reference customer's classes: a policy created where RLS was never enabled; PostgreSQL docs,
--   CREATE POLICY
-- expect: ban-policy-without-rls
CREATE POLICY operator_only ON vps_instances USING (current_user = 'app_owner');
