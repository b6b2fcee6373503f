"""The ``tenantdb`` command line."""
