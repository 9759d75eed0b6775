"""The API's routes, gathered in one place."""

from fastapi import APIRouter

from app.routes import (
    conditions,
    export,
    health,
    index,
    items,
    lookup,
    meta,
    search,
    sources,
)

ROUTERS = [
    index.router,
    conditions.router,
    *items.routers,
    sources.router,
    search.router,
    lookup.router,
    meta.router,
    export.router,
    health.router,
]
# One flat router: every router included in another is matched, on every request, through the
# one that includes it.
api_router = APIRouter()
for router in ROUTERS:
    api_router.routes.extend(router.routes)
