"""The references the service is measured against, all serving the bytes the service serves.

- `peer`: a typical FastAPI + SQLModel service: the same routes, response models and database,
  querying and encoding JSON on every request, with no cache in front.
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

from fastapi import FastAPI, Request, Response
from starlette.types import Receive, Scope, Send

from app.config import get_settings
from app.db import create_serving_engine
from app.errors import install_error_handlers
from app.routes import api_router

JSON = "application/json"


def make_peer() -> FastAPI:
    """The service's routes as a typical app: every request queries and encodes."""
    database_url = get_settings().database_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = create_serving_engine(database_url)
        yield
        app.state.engine.dispose()

    app = FastAPI(lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(api_router)
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
