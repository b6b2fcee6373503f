"""The demo project's migrations (package data), also the example project in ``examples/saas``."""
