"""tenantdb: safe PostgreSQL migrations, a tested multi-tenant SaaS schema, and per-tenant unit economics."""

__version__ = "0.1.0"
