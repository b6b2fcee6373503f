-- ALTER DEFAULT PRIVILEGES for tables app_owner creates in reporting.
-- Safe: affects future objects only.
-- Source: PostgreSQL docs, ALTER DEFAULT PRIVILEGES
-- expect: none
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA reporting GRANT SELECT ON TABLES TO business_analysts;
