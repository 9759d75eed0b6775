"""The whole knowledge base in one download, as JSON or NDJSON.

Each representation is written once per snapshot, gzipped, in a file beside it (app/snapshot.py)
by the first request that asks for it (the others wait for that one); every answer after it is
that file, sent as it is to a client that takes gzip and unzipped on the way to one that does
not. Its ETag follows from the revision and the representation, so a HEAD or a revalidation
costs nothing, and the memory an export takes is one chunk, whatever the library's size.
"""

import gzip
import hashlib
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import Field
from sqlalchemy import Connection

from app import __version__, served
from app.cache import HEAD_ONLY, accepts_gzip, etag_matches
from app.catalog import RESOURCES
from app.errors import NAMELESS_PROBLEM_RESPONSES
from app.negotiation import JSON
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
from app.snapshot import locked
from app.store import Snapshot

NDJSON = "application/x-ndjson"
# Bytes read and sent at a time.
CHUNK = 64 * 1024
# Ranks read at a time from a list.
BATCH = 500

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


def sections(connection: Connection) -> Iterator[tuple[str, str, Iterator[bytes]]]:
    """(section name, item kind, items as JSON) for everything served, in a stable order."""

    def sources() -> Iterator[bytes]:
        for body in listed(connection, served.SOURCES):
            source = Source.model_validate_json(body)
            text = served.item(connection, served.SOURCE_TEXTS, source.slug) or b""
            yield served.to_json(SourceExport(**source.model_dump(), text=text.decode()))

    yield "sources", "source", sources()
    yield "conditions", "condition", listed(connection, served.CONDITIONS)
    for resource in RESOURCES:
        kind = resource.item.replace("_", "-")
        yield resource.operation_name, kind, listed(connection, resource.name)


def listed(connection: Connection, list_name: str) -> Iterator[bytes]:
    """A list's items in order, a batch at a time."""
    offset = 0
    while True:
        bodies, total = served.whole_page(connection, list_name, BATCH, offset)
        yield from bodies
        offset += BATCH
        if offset >= total:
            return


def _header(revision: str) -> str:
    return f'"api_version": "{__version__}", "revision": "{revision}"'


def export_json(connection: Connection, revision: str) -> Iterator[bytes]:
    """One JSON object, written a section and an item at a time."""
    yield f"{{{_header(revision)}".encode()
    for name, _kind, items in sections(connection):
        yield f', "{name}": ['.encode()
        for position, item in enumerate(items):
            yield (b", " if position else b"") + item
        yield b"]"
    yield b"}\n"


def export_ndjson(connection: Connection, revision: str) -> Iterator[bytes]:
    """A header line, then one line per item: {"kind": ..., "item": {...}}."""
    yield f'{{"kind": "export", {_header(revision)}}}\n'.encode()
    for _name, kind, items in sections(connection):
        for item in items:
            yield b'{"kind": "' + kind.encode() + b'", "item": ' + item + b"}\n"


WRITERS = {"json": export_json, "ndjson": export_ndjson}
MEDIA_TYPES = {"json": JSON, "ndjson": NDJSON}


def export_file(snapshot: Snapshot, output: "ExportFormat") -> Path:
    """The snapshot's export in this format, gzipped: written now if no worker has yet."""
    path = snapshot.path.with_name(f"{snapshot.path.name}.export.{output.value}.gz")
    if path.exists():
        return path
    with locked(path.with_name(f"{path.name}.lock")):
        if not path.exists():
            partial = path.with_name(f"{path.name}.partial")
            with partial.open("wb") as file, gzip.GzipFile(fileobj=file, mode="wb", mtime=0) as gz:
                _write(snapshot, output, gz)
            partial.replace(path)
    return path


def _write(snapshot: Snapshot, output: "ExportFormat", sink: gzip.GzipFile) -> None:
    with snapshot.engine.connect() as connection:
        for chunk in WRITERS[output.value](connection, snapshot.revision):
            sink.write(chunk)


def _chunks(path: Path, unzip: bool) -> Iterator[bytes]:
    with path.open("rb") as raw, gzip.open(raw) if unzip else raw as file:
        while chunk := file.read(CHUNK):
            yield chunk


def export_etag(revision: str, output: "ExportFormat") -> str:
    """Strong: the export is a function of the API version, the revision and the format."""
    key = f"{__version__}\0{revision}\0{output.value}".encode()
    return f'"{hashlib.blake2b(key, digest_size=16).hexdigest()}"'


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
) -> Response:
    """The whole knowledge base with its revision and sources (texts included), for offline use."""
    snapshot = store_of(request).snapshot()
    etag = export_etag(snapshot.revision, output)
    filename = f"knowledge-{snapshot.revision}.{output.value}"
    headers = {
        "ETag": etag,
        "Vary": "Accept-Encoding",
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "public, max-age=300",
    }
    if etag_matches(request.headers.get("if-none-match", "").encode("latin-1"), etag.encode()):
        return Response(status_code=304, headers=headers)
    path = await anyio.to_thread.run_sync(export_file, snapshot, output)
    gzipped = accepts_gzip(request.headers.get("accept-encoding", "").encode("latin-1"))
    if gzipped:
        headers |= {"Content-Encoding": "gzip", "Content-Length": str(path.stat().st_size)}
    if request.scope.get(HEAD_ONLY):
        # A HEAD: what GET would send, without reading the file.
        return Response(headers=headers, media_type=MEDIA_TYPES[output.value])
    return StreamingResponse(
        _chunks(path, unzip=not gzipped), media_type=MEDIA_TYPES[output.value], headers=headers
    )
