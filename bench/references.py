"""The references the service is measured against, all serving the bytes the service serves.

- `peer`: a typical FastAPI + SQLModel service over the same database: plain (threaded) routes
  with the same response models that, on every request, read what they answer (the graph's
  shape, then the page's items with their codes, statements and evidence: about ten queries) and
  let FastAPI validate and encode it. No cache, nothing kept between requests.
- `ceiling`: FastAPI answering each benchmarked URL from precomputed bytes (an async route
  returning a Response): the most the framework's routing allows.
- `limit`: a bare ASGI app sending the same precomputed bytes: what the server alone allows.

The precomputed bytes come from the file named by BENCH_BODIES (JSON: URL -> body), which the
benchmark writes from the service's own answers.
"""

import json
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.types import Receive, Scope, Send

from app.catalog import RESOURCES, Resource
from app.config import get_settings
from app.db import create_database_engine
from app.graph import Filters, load_graph
from app.render import render_concepts, render_conditions
from app.schemas import Condition, SearchPage
from app.search import search
from app.served import read_shape
from app.snapshot import build, open_snapshot

JSON = "application/json"


def make_peer() -> FastAPI:
    """The benchmarked routes as a typical app: every request queries, validates and encodes."""
    database_url = get_settings().database_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_database_engine(database_url)
        # Search reads a snapshot's index: the database holds none.
        settings = get_settings()
        app.state.snapshot = open_snapshot(build(app.state.engine, settings.snapshot_directory))
        yield
        app.state.snapshot.dispose()
        app.state.engine.dispose()

    app = FastAPI(lifespan=lifespan)

    def list_route(resource: Resource) -> Callable[..., Any]:
        def read_items(
            request: Request, limit: int = 50, offset: int = 0, cause: str | None = None
        ) -> Any:
            with request.app.state.engine.connect() as connection:
                graph = load_graph(connection)
                # A filter on statements keeps the items holding one, narrowed to those statements.
                filters = Filters(cause=cause)
                slugs = graph.select(resource, filters)
                window = slugs[offset : offset + limit]
                items = render_concepts(connection, graph, resource, window, filters)
            return {
                "items": [items[s] for s in window],
                "total": len(slugs),
                "limit": limit,
                "offset": offset,
            }

        return read_items

    def detail_route(resource: Resource) -> Callable[..., Any]:
        def read_item(request: Request, slug: str) -> Any:
            with request.app.state.engine.connect() as connection:
                graph = load_graph(connection)
                graph.require(resource, slug)
                return render_concepts(connection, graph, resource, [slug])[slug]

        return read_item

    for resource in RESOURCES:
        app.add_api_route(resource.path, list_route(resource), response_model=resource.page)
        app.add_api_route(
            f"{resource.path}/{{slug}}", detail_route(resource), response_model=resource.schema
        )

    @app.get("/conditions/{slug}", response_model=Condition)
    def read_condition(request: Request, slug: str) -> Any:
        with request.app.state.engine.connect() as connection:
            graph = load_graph(connection)
            graph.require_page(slug)
            return render_conditions(connection, graph, [slug])[slug]

    @app.get("/search", response_model=SearchPage)
    def read_search(request: Request, q: str, limit: int = 50, offset: int = 0) -> Any:
        with request.app.state.snapshot.connect() as connection:
            return search(connection, read_shape(connection), q, limit=limit, offset=offset)

    return app


def load_bodies() -> dict[str, bytes]:
    path = os.environ.get("BENCH_BODIES")
    if not path:
        return {}
    return {url: body.encode() for url, body in json.loads(Path(path).read_text()).items()}


def make_ceiling(bodies: dict[str, bytes]) -> FastAPI:
    """One async FastAPI route per benchmarked path, answering precomputed bytes."""
    app = FastAPI()
    by_path: dict[str, dict[bytes, bytes]] = defaultdict(dict)
    for url, body in bodies.items():
        path, _, query = url.partition("?")
        by_path[path][query.encode()] = body
    for path, answers in by_path.items():
        app.add_api_route(path, precomputed(answers), methods=["GET"])
    return app


def precomputed(answers: dict[bytes, bytes]) -> Callable[[Request], object]:
    async def answer(request: Request) -> Response:
        return Response(answers[request.scope["query_string"]], media_type=JSON)

    return answer


def make_limit(bodies: dict[str, bytes]) -> Callable[[Scope, Receive, Send], object]:
    """A bare ASGI app: look the URL up, send the bytes."""
    answers = {}
    for url, body in bodies.items():
        path, _, query = url.partition("?")
        headers = [(b"content-type", JSON.encode()), (b"content-length", str(len(body)).encode())]
        answers[(path, query.encode())] = (headers, body)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        headers, body = answers[(scope["path"], scope["query_string"])]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


peer = make_peer()
ceiling = make_ceiling(load_bodies())
limit = make_limit(load_bodies())
