-- Deletes every row of audit_logs.
-- Unsafe: deletes every tenant's audit trail; almost always a forgotten WHERE.
-- Source: diesel-guard: DELETE without WHERE
-- expect: require-where-on-update-delete
DELETE FROM audit_logs;
