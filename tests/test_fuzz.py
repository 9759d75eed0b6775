"""Schemathesis fuzzes every operation of the OpenAPI document, with all of its checks.

Positive and negative cases, the coverage phase (boundaries, wrong types, unsupported methods)
and random fuzzing, against the live server. Bounded by a small number of examples per
operation so the suite stays quick; any failure names the request that reproduces it.
"""

from typing import Any

import httpx
import schemathesis
from hypothesis import settings

from app.main import create_app
from tests.conftest import LiveServer

DOCUMENT = create_app().openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_fuzzed_document_is_the_one_served(client: httpx.Client) -> None:
    assert client.get("/openapi.json").json() == DOCUMENT


@schema.parametrize()
@settings(max_examples=25, deadline=None)
def test_every_operation_holds_to_its_document(case: Any, server: LiveServer) -> None:
    case.call_and_validate(base_url=server.url, timeout=30)
