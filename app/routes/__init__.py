"""The API's routers, gathered in one place."""

from fastapi import APIRouter

from app.routes import conditions, export, items, meta, search, sources

api_router = APIRouter()
api_router.include_router(conditions.router)
for router in items.routers:
    api_router.include_router(router)
api_router.include_router(sources.router)
api_router.include_router(search.router)
api_router.include_router(meta.router)
api_router.include_router(export.router)
