"""The all-modules world (three tenants' canary rows) for every file of the tenant-isolation attack matrix."""

from tests.modules.security_world import admin, world

__all__ = ["admin", "world"]
