-- Creates a table keyed by company_id without RLS and grants ALL to application_service.
-- Unsafe: the application role serves tenants: every request can read and change every company's rows.
-- Source: issue 15, reference customer's classes: tenant column company_id
-- expect: ban-tenant-role-grant-without-rls
CREATE TABLE company_settings (
    company_id uuid PRIMARY KEY REFERENCES tenants (id),
    settings jsonb NOT NULL DEFAULT '{}'
);
GRANT ALL ON company_settings TO application_service;
