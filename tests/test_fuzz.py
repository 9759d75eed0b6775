"""Schemathesis fuzzes every operation of the OpenAPI document, with all of its checks.

Positive and negative cases, the coverage phase (boundaries, wrong types, unsupported methods)
and random fuzzing, against the live server. Bounded by a small number of examples per
operation so the suite stays quick; any failure names the request that reproduces it.

The document is the one a server serves: built from a database migrated here, so that a
vocabulary parameter (`kind`, `certainty`) lists the terms the knowledge holds.
"""

import tempfile
from pathlib import Path
from typing import Any

import anyio
import httpx
import schemathesis
from hypothesis import settings

from app.config import Settings
from app.db import migrate
from app.main import create_app
from tests.conftest import LiveServer


def served_document() -> dict[str, Any]:
    """The OpenAPI document of a server on a freshly migrated database."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'knowledge.db'}"
        migrate(url)
        app = create_app(Settings(database_url=url))

        async def serve() -> dict[str, Any]:
            async with app.router.lifespan_context(app):
                return app.openapi()

        return anyio.run(serve)


DOCUMENT = served_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def without_examples(node: Any) -> Any:
    """The document less its response examples."""
    if isinstance(node, dict):
        return {key: without_examples(value) for key, value in node.items() if key != "example"}
    if isinstance(node, list):
        return [without_examples(value) for value in node]
    return node


def test_the_fuzzed_document_is_the_one_served(client: httpx.Client) -> None:
    # Operations and schemas are what is fuzzed; the served document's examples are answers of
    # its own database, which holds the test-only seeds too.
    served = client.get("/openapi.json").json()
    for part in ("paths", "components"):
        assert without_examples(served[part]) == without_examples(DOCUMENT[part])


@schema.parametrize()
@settings(max_examples=25, deadline=None)
def test_every_operation_holds_to_its_document(case: Any, server: LiveServer) -> None:
    case.call_and_validate(base_url=server.url, timeout=30)
