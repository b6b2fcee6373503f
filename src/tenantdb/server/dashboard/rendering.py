"""The dashboard's Jinja2 environment: templates from the package, autoescape on, undefined variables an error.

    render("login.html", layout=Layout(title="Log in"), csrf_token=token, login_url="/login")

Filters (Decimal or int in, text out; ``None`` is an em dash; a float is a ``TypeError``): ``money``,
``signed_money``, ``percent`` (a ratio), ``number``, ``date`` (date or datetime), ``month``, ``change`` and
``direction`` (a delta, in words and as a class), ``value_text`` and ``sort_value`` (a value by its ValueKind).
Tests: ``link`` and ``status`` (a table cell that is a :class:`Link` or a :class:`Status`).

A page is a template that extends ``base.html`` and imports the macros it needs from ``components/`` (each file
documents its macros' parameters at its top; tests/server/test_components_browser.py renders them all)::

    {% extends "base.html" %}
    {% from "components/kpi.html" import kpi_card %}
    {% from "components/table.html" import data_table %}
    {% from "components/chart.html" import chart %}
    {% block content %}
    <section class="kpis" aria-label="Key figures">{{ kpi_card("Revenue", revenue, kind="money") }}</section>
    {{ chart(trend) }}   {# trend = tenantdb.server.charts.line_chart(...) #}
    {{ data_table("Tenants", columns, rows, csv_url=csv_url) }}
    {% endblock %}

rendered with ``layout`` (a :class:`~tenantdb.server.dashboard.components.Layout`), ``csrf_token`` and its own
values. Static files are served from :data:`STATIC_DIR` at ``Layout.static_url`` (``/static``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2

from tenantdb.server.dashboard import formats
from tenantdb.server.dashboard.components import Link, Status

STATIC_DIR = Path(__file__).parent / "static"


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tenantdb.server.dashboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=formats.money,
        signed_money=formats.signed_money,
        percent=formats.percent,
        number=formats.number,
        date=formats.date_text,
        month=formats.month_text,
        change=lambda delta, kind="number": formats.change(kind, delta),
        direction=lambda delta, kind="number": formats.direction(kind, delta),
        value_text=lambda value, kind: formats.format_value(kind, value),
        sort_value=lambda value, kind: formats.sort_value(kind, value),
    )
    env.tests.update(link=lambda value: isinstance(value, Link), status=lambda value: isinstance(value, Status))
    return env


def render(template: str, /, **context: Any) -> str:
    """A template of the package rendered with ``context``."""
    return environment().get_template(template).render(**context)
