"""The HTTP server: the API, authentication and the executive dashboard."""
