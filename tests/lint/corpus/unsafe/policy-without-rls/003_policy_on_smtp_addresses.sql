-- Creates a policy on smtp_ip_addresses, where RLS was never enabled.
-- Unsafe: the policy is inert; the author believes access is restricted.
-- Source: issue 15, reference customer's classes: a policy created where RLS was never enabled
-- expect: ban-policy-without-rls
CREATE POLICY operator_reads ON smtp_ip_addresses FOR SELECT USING (current_user = 'app_owner');
