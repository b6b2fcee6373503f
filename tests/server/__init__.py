"""The HTTP server: API, auth, dashboard components and charts, tested with a real browser."""
