"""Assembles the application: settings, database, routers, error handlers, and the ASGI stack.

Every request passes these layers, outermost first; `create_app` and `compose` name them all:

1. `Observability` (app/observability.py): metrics, the access log and the X-Request-ID. It is
   outermost so that it times the whole answer and sees every request, answers from the cache
   included, and the request id is on every answer, cached or not.
2. `HeadAsGet` (app/cache/head.py): a HEAD is served as its GET, without the body. In front of
   the cache, so that a HEAD is answered from the GET answers it keeps, with their very headers.
3. `ResponseCache` (app/cache/middleware.py): in front of everything the app adds, so that a kept
   answer holds the headers the app's middleware set and a hit is sent with them, before any
   routing, validation or middleware runs.
4. The FastAPI app, as FastAPI builds it: Starlette's last-resort error middleware, then the
   app's own middleware, outermost first: `SecurityHeaders`, CORS, `RouteRecorder` (notes the
   route template for the metrics and the log), and `ErrorBoundary` (app/errors.py), innermost
   so that the answers to errors and to oversized requests carry the security and CORS headers
   too; then the exception handlers and the routes.

`create_app` returns the FastAPI app itself: uvicorn serves it, and routes and tests read its
settings, state, router and OpenAPI document. FastAPI builds its stack (step 4) when the first
event, the lifespan's startup, arrives; `compose` replaces that build and puts steps 1 to 3 in
front of what FastAPI builds. Each layer is a plain ASGI middleware given its settings when it is
made; no subclass of FastAPI decides where a layer goes.
"""

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial

import anyio.to_thread
from fastapi import Depends, FastAPI
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from app import __version__
from app.cache import HeadAsGet, ResponseCache
from app.config import Settings, get_settings
from app.db import Timeouts, create_database_engine
from app.docs import install_docs
from app.errors import (
    PROBLEM_RESPONSES,
    ErrorBoundary,
    ProblemCORSMiddleware,
    install_error_handlers,
)
from app.headers import SecurityHeaders
from app.observability import Observability, RouteRecorder, count_database_errors, install_metrics
from app.openapi import DESCRIPTION, TAGS, install_openapi
from app.routes import api_router
from app.routes.health import expected_revisions, report_readiness
from app.routes.params import utf8_query
from app.snapshot import Builder
from app.store import SWITCH_INTERVAL, KnowledgeStore


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        sys.setswitchinterval(SWITCH_INTERVAL)
        timeouts = Timeouts(settings.database_lock_timeout, settings.database_statement_timeout)
        app.state.engine = create_database_engine(settings.database_url, timeouts=timeouts)
        # Readiness asks a new connection: it must see the database as a new worker would.
        app.state.readiness_engine = create_database_engine(
            settings.database_url, pooled=False, timeouts=timeouts
        )
        count_database_errors(app.state.engine)
        app.state.expected_revisions = expected_revisions()
        directory = settings.snapshot_directory
        builder = Builder(settings)
        app.state.store = KnowledgeStore(
            app.state.engine,
            directory,
            builder.build,
            check_interval=settings.revision_check_interval,
        )
        report_readiness(app.state.engine, app.state.expected_revisions, settings.database_url)
        # The first snapshot is ready before the first request (or the newest on disk, if the
        # database cannot be read); later ones are swapped in while this one serves.
        await app.state.store.start()
        await builder.prepare()
        yield
        await app.state.store.close()
        await builder.close()
        app.state.engine.dispose()

    app = FastAPI(
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
        # The app's own middleware, outermost first (step 4 of the module docstring).
        middleware=[
            Middleware(SecurityHeaders),
            # A refused preflight is a problem, as every error is.
            Middleware(
                ProblemCORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "HEAD"],
                # A web page revalidates with If-None-Match, and reads the validator, the
                # paging links, how long to wait after a 503, an export's file name and the
                # request's id (to quote it when reporting a problem).
                allow_headers=["If-None-Match"],
                expose_headers=[
                    "ETag",
                    "Link",
                    "Retry-After",
                    "Content-Disposition",
                    "X-Request-ID",
                ],
            ),
            Middleware(RouteRecorder),
            Middleware(ErrorBoundary),
        ],
    )
    # Routes build links from these, never from the request (request.app.settings).
    app.settings = settings  # type: ignore[attr-defined]
    # The layers in front of the app (steps 1 to 3), put around its own stack when it is built.
    app.build_middleware_stack = partial(  # type: ignore[method-assign]
        compose, app, settings, app.build_middleware_stack
    )
    if settings.metrics:
        install_metrics(app, settings.prometheus_multiproc_dir)
    install_error_handlers(app)
    # Any query string that is not UTF-8 is refused, whatever the operation: a 422 on every one.
    app.include_router(
        api_router, dependencies=[Depends(utf8_query)], responses={422: PROBLEM_RESPONSES[422]}
    )
    install_docs(app)
    install_openapi(app, settings)
    return app


def compose(app: FastAPI, settings: Settings, build_app: Callable[[], ASGIApp]) -> ASGIApp:
    """The whole ASGI stack, outermost first: observability, HEAD as GET, the response cache,
    then the app's own stack, as `build_app` (FastAPI's build) makes it. The cache is kept in
    `app.state.response_cache`."""

    def served_revision() -> str | None:
        # The knowledge store reads the revision (and the graph it names): one reading for the
        # answers and for the cache that keeps them. It is made in the lifespan, so it is
        # looked up at each request.
        store: KnowledgeStore | None = getattr(app.state, "store", None)
        return None if store is None else store.revision

    cache = ResponseCache(
        build_app(),
        revision=served_revision,
        max_age=settings.cache_max_age,
        max_bytes=settings.cache_max_bytes,
        public_url=settings.public_url,
    )
    app.state.response_cache = cache
    return Observability(
        HeadAsGet(cache), cache=cache, metrics=settings.metrics, access_log=settings.access_log
    )


app = create_app()
