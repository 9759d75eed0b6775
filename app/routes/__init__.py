"""The API's routers, gathered in one place."""

from fastapi import APIRouter, Depends

from app.routes import conditions, export, health, items, meta, search, sources
from app.routes.params import utf8_query

api_router = APIRouter(dependencies=[Depends(utf8_query)])
api_router.include_router(conditions.router)
for router in items.routers:
    api_router.include_router(router)
api_router.include_router(sources.router)
api_router.include_router(search.router)
api_router.include_router(meta.router)
api_router.include_router(export.router)
api_router.include_router(health.router)
