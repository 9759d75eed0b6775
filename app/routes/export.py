"""The whole knowledge base in one download, as JSON or NDJSON, streamed as it is rendered."""

from collections.abc import Iterator
from enum import StrEnum
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import Field
from sqlalchemy import Connection, Engine

from app import __version__
from app.catalog import RESOURCES, Resource
from app.db import reading
from app.errors import NAMELESS_PROBLEM_RESPONSES
from app.graph import Graph
from app.negotiation import JSON
from app.render import render_concepts, render_conditions, render_sources, source_text
from app.routes.items import store_of
from app.schemas import (
    Cause,
    Complication,
    Condition,
    DiagnosticTest,
    Drug,
    Prevention,
    RiskFactor,
    Schema,
    Source,
    Symptom,
    Treatment,
)
from app.store import BATCH, to_json

NDJSON = "application/x-ndjson"

router = APIRouter(tags=["export"])


class ExportFormat(StrEnum):
    JSON = "json"
    NDJSON = "ndjson"


class SourceExport(Source):
    """A source with its full text, which evidence offsets index into."""

    text: str


class Export(Schema):
    """Everything served, with the knowledge revision; each list holds what its endpoint lists."""

    api_version: str
    revision: str = Field(description="Knowledge revision, as in /meta.")
    sources: list[SourceExport]
    conditions: list[Condition]
    causes: list[Cause]
    risk_factors: list[RiskFactor]
    symptoms: list[Symptom]
    complications: list[Complication]
    tests: list[DiagnosticTest]
    treatments: list[Treatment]
    drugs: list[Drug]
    prevention: list[Prevention]


def _batches(engine: Engine, graph: Graph, slugs: list[str], render: Any) -> Iterator[bytes]:
    """Items rendered a batch at a time, each batch on a connection of its own."""
    for start in range(0, len(slugs), BATCH):
        window = slugs[start : start + BATCH]
        with reading(engine) as connection:
            items = render(connection, graph, window)
        yield from (to_json(items[slug]) for slug in window)


def sections(engine: Engine, graph: Graph) -> Iterator[tuple[str, str, Iterator[bytes]]]:
    """(section name, item kind, items as JSON) for everything served, in a stable order."""

    def sources() -> Iterator[bytes]:
        with reading(engine) as connection:
            listed = render_sources(connection, graph)
        for source in listed:
            with reading(engine) as connection:
                text = source_text(connection, source.slug) or ""
            yield to_json(SourceExport(**source.model_dump(), text=text))

    yield "sources", "source", sources()
    yield (
        "conditions",
        "condition",
        _batches(engine, graph, list(graph.conditions), render_conditions),
    )
    for resource in RESOURCES:
        slugs = list(graph.listed.get(resource.name, {}))
        render = partial(_render_list, resource)
        kind = resource.item.replace("_", "-")
        yield resource.operation_name, kind, _batches(engine, graph, slugs, render)


def _render_list(
    resource: Resource, connection: Connection, graph: Graph, slugs: list[str]
) -> dict[str, Any]:
    return render_concepts(connection, graph, resource, slugs)


def _header(graph: Graph) -> dict[str, str]:
    return {"api_version": __version__, "revision": graph.revision}


def export_json(engine: Engine, graph: Graph) -> Iterator[bytes]:
    """One JSON object, written a section and an item at a time."""
    header = _header(graph)
    yield (
        f'{{"api_version": "{header["api_version"]}", "revision": "{header["revision"]}"'
    ).encode()
    for name, _kind, items in sections(engine, graph):
        yield f', "{name}": ['.encode()
        for position, item in enumerate(items):
            yield (b", " if position else b"") + item
        yield b"]"
    yield b"}\n"


def export_ndjson(engine: Engine, graph: Graph) -> Iterator[bytes]:
    """A header line, then one line per item: {"kind": ..., "item": {...}}."""
    header = _header(graph)
    yield (
        f'{{"kind": "export", "api_version": "{header["api_version"]}", '
        f'"revision": "{header["revision"]}"}}\n'
    ).encode()
    for _name, kind, items in sections(engine, graph):
        for item in items:
            yield b'{"kind": "' + kind.encode() + b'", "item": ' + item + b"}\n"


@router.get(
    "/export",
    operation_id="export",
    summary="Download everything",
    responses={
        200: {
            "model": Export,
            "description": "Everything served: JSON by default, NDJSON with `format=ndjson`.",
            "content": {NDJSON: {"schema": {"type": "string"}}},
        },
        **NAMELESS_PROBLEM_RESPONSES,
    },
)
async def read_export(
    request: Request,
    output: Annotated[
        ExportFormat,
        Query(
            alias="format",
            description="`json`: one object with a list per kind. `ndjson`: a header line, "
            'then one line per item, `{"kind": ..., "item": {...}}`.',
        ),
    ] = ExportFormat.JSON,
) -> StreamingResponse:
    """The whole knowledge base with its revision and sources (texts included), for offline use."""
    store = store_of(request)
    snapshot = store.snapshot()
    engine, graph = snapshot.engine, snapshot.graph
    body, media_type = (
        (export_ndjson(engine, graph), NDJSON)
        if output is ExportFormat.NDJSON
        else (export_json(engine, graph), JSON)
    )
    filename = f"knowledge-{graph.revision}.{output.value}"
    return StreamingResponse(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
