"""Business intelligence: cost allocation, per-tenant rollups and the report models (docs/business-metrics.md)."""
