"""The API's routers, gathered in one place."""

from fastapi import APIRouter, Depends

from app.errors import PROBLEM_RESPONSES
from app.routes import conditions, export, health, index, items, meta, search, sources
from app.routes.params import utf8_query

# Any query string that is not UTF-8 is refused, whatever the operation: a 422 on every one.
api_router = APIRouter(dependencies=[Depends(utf8_query)], responses={422: PROBLEM_RESPONSES[422]})
api_router.include_router(index.router)
api_router.include_router(conditions.router)
for router in items.routers:
    api_router.include_router(router)
api_router.include_router(sources.router)
api_router.include_router(search.router)
api_router.include_router(meta.router)
api_router.include_router(export.router)
api_router.include_router(health.router)
