"""Assembles the application: settings, database, routers, error handlers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import __version__
from app.config import Settings, get_settings
from app.db import create_database_engine
from app.docs import install_docs
from app.errors import PROBLEM_RESPONSES, install_error_handlers
from app.headers import SecurityHeaders
from app.observability import ObservedAPI, count_database_errors
from app.openapi import DESCRIPTION, TAGS, install_openapi
from app.routes import api_router
from app.routes.health import expected_revisions, report_readiness
from app.routes.params import utf8_query
from app.store import KnowledgeStore


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = partial(
            create_database_engine,
            settings.database_url,
            lock_timeout=settings.database_lock_timeout,
            statement_timeout=settings.database_statement_timeout,
        )
        app.state.engine = database()
        # Readiness asks a new connection: it must see the database as a new worker would.
        app.state.readiness_engine = database(pooled=False)
        count_database_errors(app.state.engine)
        app.state.expected_revisions = expected_revisions()
        app.state.store = KnowledgeStore(
            app.state.engine,
            settings.snapshot_directory,
            check_interval=settings.revision_check_interval,
            memo_bytes=settings.render_cache_bytes,
        )
        report_readiness(app.state.engine, app.state.expected_revisions, settings.database_url)
        # The first snapshot is ready before the first request (or the newest on disk, if the
        # database cannot be read); later ones are swapped in while this one serves.
        await app.state.store.start()
        yield
        await app.state.store.close()
        app.state.engine.dispose()

    app = ObservedAPI(
        settings,
        title="Condition Knowledge API",
        version=__version__,
        summary="What a health article says about a condition, as typed, source-anchored data.",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        # Served by install_docs from the app's own assets, never from a CDN, and by
        # install_openapi once per knowledge revision.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # A redirect would be built from the client's Host header, and a cache could keep it.
        redirect_slashes=False,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD"],
        # A web page revalidates with If-None-Match, and reads the validator, the paging
        # links, how long to wait after a 503 and an export's file name.
        allow_headers=["If-None-Match"],
        expose_headers=["ETag", "Link", "Retry-After", "Content-Disposition"],
    )
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app)
    # Any query string that is not UTF-8 is refused, whatever the operation: a 422 on every one.
    app.include_router(
        api_router, dependencies=[Depends(utf8_query)], responses={422: PROBLEM_RESPONSES[422]}
    )
    install_docs(app)
    install_openapi(app, settings)
    return app


app = create_app()
