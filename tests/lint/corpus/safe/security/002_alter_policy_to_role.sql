-- ALTER POLICY to restrict the policy to application_service.
-- Safe: narrows who the policy applies to; the predicate stays tenant-scoped.
-- Source: PostgreSQL docs, ALTER POLICY
-- expect: none
ALTER POLICY tenant_isolation ON orders TO application_service;
