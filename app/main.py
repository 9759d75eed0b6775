"""Assembles the application: settings, database, routers, error handlers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app.cache import CachedAPI
from app.config import Settings, get_settings
from app.db import create_serving_engine
from app.errors import install_error_handlers
from app.routes import api_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_serving_engine(settings.database_url)
        yield
        app.state.engine.dispose()

    app = CachedAPI(
        settings,
        title="Condition Knowledge API",
        version="0.1.0",
        summary="What a health article says about a condition, as typed, source-anchored data.",
        lifespan=lifespan,
    )
    app.add_middleware(
        CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "HEAD"]
    )
    install_error_handlers(app)
    app.include_router(api_router)
    return app


app = create_app()
