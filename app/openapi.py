"""The OpenAPI document: what the API is, its tags, and response examples read from its data."""

import copy
import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.catalog import RESOURCES, get_item, list_items
from app.db import knowledge_revision
from app.jsonld import JSON_LD, condition_document
from app.models import Source
from app.routes.conditions import list_conditions
from app.routes.export import NDJSON, export_json, export_ndjson
from app.routes.meta import build_meta
from app.routes.sources import find_source, list_sources
from app.schemas import Health, Readiness
from app.search import search

JSON = "application/json"
EXAMPLE_BASE_URL = "http://127.0.0.1:8000/"

DESCRIPTION = """\
Each condition comes with its causes, risk factors, symptoms, complications, tests, treatments
and prevention. Every item quotes its source verbatim, with the character offsets of the quote,
and carries only terminology codes (ICD-10-CM, MeSH, ATC, RxNorm, LOINC) verified against
public code tables.

**Source.** All content is drawn from the source texts served at `/sources`, each with its
SHA-256; `/sources/{slug}/text` serves the exact text that evidence offsets index into.

**Not medical advice.** This API restates what its sources say, for information only. It does
not diagnose, treat or advise anyone; see a qualified health professional about any health
concern.
"""

_RESOURCE_TAGS = {
    "causes": "Types of cause, each with its mechanism and the risk factors named under it.",
    "risk-factors": "Conditions and exposures named as causes, each linked to its cause types.",
    "symptoms": 'Signs and symptoms, with the source\'s qualifiers such as "in certain cases".',
    "complications": "What the condition can lead to, with the source's qualifiers.",
    "tests": "Tests a doctor uses to diagnose the condition: blood tests, imaging, biopsy, ...",
    "treatments": "Treatments with their kind, aim, indications, cautions and drugs.",
    "prevention": "Measures that reduce the risk, each with the people it is for.",
}
TAGS: list[dict[str, str]] = [
    {
        "name": "conditions",
        "description": "Conditions with their codes, guidance, body sites and a summary of each "
        "section; also as schema.org JSON-LD.",
    },
    *({"name": name, "description": text} for name, text in _RESOURCE_TAGS.items()),
    {
        "name": "sources",
        "description": "The texts every quote is copied from, with their SHA-256 fingerprints.",
    },
    {"name": "search", "description": "Search across every kind of item."},
    {
        "name": "meta",
        "description": "API version, knowledge revision, source fingerprints and counts per kind.",
    },
    {"name": "export", "description": "Everything in one download, for apps that work offline."},
    {"name": "health", "description": "Liveness and readiness, for orchestrators; never cached."},
]


def _trimmed_export(engine: Engine) -> dict[str, Any]:
    """The JSON export with one item in each list, read back from the stream."""
    export = json.loads(b"".join(export_json(engine)))
    return {key: value[:1] if isinstance(value, list) else value for key, value in export.items()}


def _ndjson_head(engine: Engine) -> str:
    """The export's header line and the first line of each kind."""
    seen: set[str] = set()
    lines: list[str] = []
    for chunk in export_ndjson(engine):
        line = chunk.decode()
        kind = json.loads(line)["kind"]
        if kind not in seen:
            seen.add(kind)
            lines.append(line)
    return "".join(lines)


def response_examples(session: Session, engine: Engine) -> Iterator[tuple[str, str, Any]]:
    """(path, media type, example) for every operation, each a real answer of the served data."""
    for resource in RESOURCES:
        page = list_items(session, resource, limit=1, offset=0)
        yield resource.path, JSON, page.model_dump(mode="json")
        item = get_item(session, resource, page.items[0].slug)
        yield f"{resource.path}/{{slug}}", JSON, item.model_dump(mode="json")
    conditions = list_conditions(session, limit=1, offset=0)
    condition = conditions.items[0]
    yield "/conditions", JSON, conditions.model_dump(mode="json")
    yield "/conditions/{slug}", JSON, condition.model_dump(mode="json")
    yield "/conditions/{slug}", JSON_LD, condition_document(session, condition, EXAMPLE_BASE_URL)
    sources = list_sources(session, limit=1, offset=0)
    yield "/sources", JSON, sources.model_dump(mode="json")
    yield "/sources/{slug}", JSON, sources.items[0].model_dump(mode="json")
    source = find_source(session, sources.items[0].slug)
    yield "/sources/{slug}/text", "text/plain", source.text
    # As answered to /search?q=calcium&limit=2.
    yield "/search", JSON, search(session, "calcium", limit=2, offset=0).model_dump(mode="json")
    meta = build_meta(session)
    yield "/meta", JSON, meta.model_dump(mode="json")
    yield "/health", JSON, Health(status="ok").model_dump(mode="json")
    yield "/ready", JSON, Readiness(status="ready", revision=meta.revision).model_dump(mode="json")
    yield "/export", JSON, _trimmed_export(engine)
    yield "/export", NDJSON, _ndjson_head(engine)


def add_examples(schema: dict[str, Any], session: Session, engine: Engine) -> None:
    """Attach a real answer as the example of each operation's 200 response."""
    for path, media_type, example in response_examples(session, engine):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        content[media_type]["example"] = example


def describe_sources(schema: dict[str, Any], session: Session) -> None:
    """Name each source in the API's description, for attribution."""
    sources = session.exec(
        select(Source.slug, Source.title, Source.sha256).order_by(col(Source.slug))
    ).all()
    listing = "\n".join(
        f"- *{title}* (`{slug}`, sha256 `{sha256}`)" for slug, title, sha256 in sources
    )
    schema["info"]["description"] += f"\n**Sources served.**\n\n{listing}\n"


def install_openapi(app: FastAPI) -> None:
    """Serve the document with examples from the database, built once per knowledge revision."""
    build = app.openapi  # FastAPI's document, with what install_error_handlers adds
    documents: dict[str, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        engine = getattr(app.state, "engine", None)
        if engine is None:
            return build()  # not serving yet: no database to take examples from
        with Session(engine) as session:
            revision = knowledge_revision(session.connection())
            if revision not in documents:
                # Built on a copy and kept only once whole: a failure leaves nothing half-made.
                document = copy.deepcopy(build())
                add_examples(document, session, engine)
                describe_sources(document, session)
                documents.clear()
                documents[revision] = document
            return documents[revision]

    app.openapi = openapi  # type: ignore[method-assign]
