"""The executive dashboard: server-rendered pages, their Jinja2 components, CSS and scripts."""
