"""The routes an app serves, with their full paths: what the audit names and the route tests enumerate."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts


@dataclass(frozen=True, slots=True)
class RouteEntry:
    """One route as served: its full path, methods, and the APIRoute (dependencies, response model)."""

    path: str
    methods: frozenset[str]
    route: APIRoute


def route_inventory(app: FastAPI) -> list[RouteEntry]:
    """Every API route of the app with its full path (FastAPI keeps included routers nested)."""
    entries = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            entries.append(RouteEntry(path=str(context.path), methods=frozenset(route.methods or ()), route=route))
    return entries
