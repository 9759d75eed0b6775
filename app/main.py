"""Assembles the application: settings, database, routers, error handlers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.config import Settings, get_settings
from app.db import create_serving_engine
from app.docs import install_docs
from app.errors import install_error_handlers
from app.headers import SecurityHeaders
from app.observability import ObservedAPI, count_database_errors
from app.openapi import DESCRIPTION, TAGS, install_openapi
from app.routes import api_router
from app.routes.health import expected_revisions, report_readiness


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_serving_engine(settings.database_url)
        count_database_errors(app.state.engine)
        app.state.expected_revisions = expected_revisions()
        report_readiness(app.state.engine, app.state.expected_revisions, settings.database_url)
        yield
        app.state.engine.dispose()

    app = ObservedAPI(
        settings,
        title="Condition Knowledge API",
        version=__version__,
        summary="What a health article says about a condition, as typed, source-anchored data.",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        # Served by install_docs from the app's own assets, never from a CDN.
        docs_url=None,
        redoc_url=None,
        # A redirect would be built from the client's Host header, and a cache could keep it.
        redirect_slashes=False,
    )
    app.add_middleware(
        CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "HEAD"]
    )
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app)
    app.include_router(api_router)
    install_docs(app)
    install_openapi(app)
    return app


app = create_app()
