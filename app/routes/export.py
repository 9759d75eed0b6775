"""The whole knowledge base in one download, as JSON or NDJSON, streamed as it is read."""

import json
from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app import __version__
from app.catalog import RESOURCES, in_chunks, iter_items
from app.db import SessionDep, knowledge_revision
from app.errors import PROBLEM_RESPONSES
from app.knowledge.terms import ItemKind
from app.models import Condition, Source
from app.routes.conditions import build_condition
from app.routes.sources import build_source
from app.schemas import (
    CausePublic,
    ComplicationPublic,
    ConditionPublic,
    PreventionPublic,
    RiskFactorPublic,
    Schema,
    SourcePublic,
    SymptomPublic,
    TestPublic,
    TreatmentPublic,
)

NDJSON = "application/x-ndjson"
# Rows read per query: the export never holds more than this many items of a kind at once.
CHUNK = 100

router = APIRouter(tags=["export"])


class ExportFormat(StrEnum):
    JSON = "json"
    NDJSON = "ndjson"


class SourceExport(SourcePublic):
    """A source with its full text, which evidence offsets index into."""

    text: str


class Export(Schema):
    """Everything served, with the knowledge revision; each list holds what its endpoint lists."""

    api_version: str
    revision: str = Field(description="Knowledge revision, as in /meta.")
    sources: list[SourceExport]
    conditions: list[ConditionPublic]
    causes: list[CausePublic]
    risk_factors: list[RiskFactorPublic]
    symptoms: list[SymptomPublic]
    complications: list[ComplicationPublic]
    tests: list[TestPublic]
    treatments: list[TreatmentPublic]
    prevention: list[PreventionPublic]


def _sources(session: Session) -> Iterator[SourceExport]:
    # Texts can be long: a few at a time.
    for rows in in_chunks(session, select(Source).order_by(col(Source.slug)), 10):
        for row in rows:
            yield SourceExport(**build_source(session, row).model_dump(), text=row.text)


def _conditions(session: Session) -> Iterator[ConditionPublic]:
    for rows in in_chunks(session, select(Condition).order_by(col(Condition.slug)), CHUNK):
        for row in rows:
            yield build_condition(session, row)


def sections(session: Session) -> Iterator[tuple[str, str, Iterator[BaseModel]]]:
    """(section name, item kind, items) for everything served, in a stable order."""
    yield "sources", "source", _sources(session)
    yield "conditions", ItemKind.CONDITION.value, _conditions(session)
    for resource in RESOURCES:
        yield (
            resource.operation_name,
            resource.kind.value,
            iter_items(session, resource, chunk=CHUNK),
        )


def _header(session: Session) -> dict[str, str]:
    return {"api_version": __version__, "revision": knowledge_revision(session.connection())}


def export_json(engine: Engine) -> Iterator[bytes]:
    """One JSON object, written a section and an item at a time."""
    with Session(engine) as session:
        yield json.dumps(_header(session)).removesuffix("}").encode()
        for name, _kind, items in sections(session):
            yield f', "{name}": ['.encode()
            for position, item in enumerate(items):
                yield (b", " if position else b"") + item.model_dump_json().encode()
            yield b"]"
        yield b"}\n"


def export_ndjson(engine: Engine) -> Iterator[bytes]:
    """A header line, then one line per item: {"kind": ..., "item": {...}}."""
    with Session(engine) as session:
        yield json.dumps({"kind": "export", **_header(session)}).encode() + b"\n"
        for _name, kind, items in sections(session):
            for item in items:
                line = f'{{"kind": "{kind}", "item": {item.model_dump_json()}}}\n'
                yield line.encode()


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
        **PROBLEM_RESPONSES,
    },
)
def read_export(
    request: Request,
    session: SessionDep,
    output: Annotated[
        ExportFormat,
        Query(
            alias="format",
            description="`json`: one object with a list per kind. `ndjson`: a header line, "
            'then one line per item, `{"kind": ..., "item": {...}}`.',
        ),
    ] = ExportFormat.JSON,
) -> Any:
    """The whole knowledge base with its revision and sources (texts included), for offline use."""
    revision = knowledge_revision(session.connection())
    engine = request.app.state.engine
    body, media_type = (
        (export_ndjson(engine), NDJSON)
        if output is ExportFormat.NDJSON
        else (export_json(engine), "application/json")
    )
    filename = f"knowledge-{revision}.{output.value}"
    return StreamingResponse(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
