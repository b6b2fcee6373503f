"""The server-rendered dashboard: login, logout and the pages (templates in ``templates/``, assets in ``static/``)."""
