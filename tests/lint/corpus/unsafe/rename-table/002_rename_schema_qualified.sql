-- Renames public.audit_logs to audit_events.
-- Unsafe: a schema-qualified rename breaks readers just the same.
-- Source: squawk docs, renaming-table
-- expect: ban-rename-table
ALTER TABLE public.audit_logs RENAME TO audit_events;
