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
from schemathesis.config import PositiveDataAcceptanceConfig, SchemathesisConfig

from app.config import Settings
from app.db import migrate
from app.lookup import ICD_10_CM, code_system, icd10cm_code
from app.lookup.infobutton import CODE, DISPLAY_NAME, SYSTEM
from app.main import create_app
from app.served import lookup_key
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

# Two operations refuse, by design, requests their schema takes: a code of ICD-10-CM's form that
# the release does not have is a 422 saying so (the document cannot list the release's 70,000-odd
# codes), and /infobutton needs a code with its system, or a display name (the guide makes each
# parameter optional). For those two operations only, `positive_data_acceptance` takes a 422 too,
# and `refused_by_design` below holds each 422 a schema-valid request gets to those reasons. Every
# other check, and every other operation, keeps schemathesis's defaults. (By path: HEAD too.)
REFUSING_BY_DESIGN = ("/lookup", "/infobutton")
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-path": list(REFUSING_BY_DESIGN),
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [
                            *PositiveDataAcceptanceConfig().expected_statuses,
                            "422",
                        ]
                    }
                },
            }
        ]
    }
)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


def unknown_icd10cm(system: str | None, code: str | None) -> bool:
    """Whether `code` is of ICD-10-CM (named by `system`, a name the schema lists) and not a code
    of the release."""
    if system is None or code is None or code_system(system, "system") is not ICD_10_CM:
        return False
    return icd10cm_code(lookup_key(ICD_10_CM.uri, code)) is None


def designed_refusal(path: str, query: dict[str, Any]) -> bool:
    """Whether a schema-valid request to `path` is one its operation refuses by design."""
    if path == "/lookup":
        return unknown_icd10cm(query.get("system"), query.get("code"))
    code, system, name = (query.get(key) for key in (CODE, SYSTEM, DISPLAY_NAME))
    if code is None:
        return name is None  # nothing to look for
    if system is None:
        return True  # a code without its system
    return name is None and unknown_icd10cm(system, code)


def refused_by_design(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 422 to a schema-valid request of the operations above is one of their designed ones."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    if case.path not in REFUSING_BY_DESIGN:
        return None
    assert designed_refusal(case.path, case.query or {}), (
        f"a schema-valid request refused for no designed reason: {response.text or case.query}"
    )
    return True


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
    case.call_and_validate(base_url=server.url, timeout=30, additional_checks=[refused_by_design])
