"""The whole knowledge base in one download, as JSON or NDJSON.

Each representation is made once per snapshot and kept, gzipped, in a file beside it
(app/snapshot.py): the first request that asks for it is sent the export as it is made, and it
is written to the file meanwhile (a request that comes before the file is whole makes its own);
every answer after it is that file, sent as it is to a client that takes gzip and unzipped on
the way to one that does not. Its ETag follows from the revision and the representation, so a
HEAD or a revalidation costs nothing, and the memory an export takes is one chunk, whatever the
library's size.
"""

import fcntl
import gzip
import hashlib
import io
from collections.abc import Iterator
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

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
    AggravatingFactor,
    Cause,
    Complication,
    Condition,
    DiagnosticTest,
    Drug,
    Population,
    Prevention,
    Redirect,
    RiskFactor,
    Schema,
    Source,
    Symptom,
    Treatment,
)
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
    aggravating_factors: list[AggravatingFactor]
    populations: list[Population]
    redirects: list[Redirect] = Field(
        description="The old URLs of renamed or merged concepts and where they lead (308)."
    )


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

    def redirects() -> Iterator[bytes]:
        for list_name, old_slug, slug in served.redirects(connection):
            paths = Redirect(old_path=f"/{list_name}/{old_slug}", path=f"/{list_name}/{slug}")
            yield served.to_json(paths)

    yield "redirects", "redirect", redirects()


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


def export_path(snapshot: Snapshot, output: "ExportFormat") -> Path:
    """Where the snapshot's export in this format is kept, gzipped, once written."""
    return snapshot.path.with_name(f"{snapshot.path.name}.export.{output.value}.gz")


def export_chunks(snapshot: Snapshot, output: "ExportFormat", gzipped: bool) -> Iterator[bytes]:
    """The export, gzipped or not: the kept file if written; else made now from the snapshot,
    and, by the first request that gets there, written to the file as it is sent."""
    path = export_path(snapshot, output)
    if path.exists():
        yield from _read(path, unzip=not gzipped)
        return
    with path.with_name(f"{path.name}.lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # Another request writes the file: make this answer alone.
            yield from _made(snapshot, output, gzipped, keep=None)
            return
        if path.exists():
            yield from _read(path, unzip=not gzipped)
        else:
            yield from _made(snapshot, output, gzipped, keep=path)


def _made(
    snapshot: Snapshot, output: "ExportFormat", gzipped: bool, keep: Path | None
) -> Iterator[bytes]:
    """The export made from the snapshot a chunk at a time; kept at `keep` once whole."""
    compressed = io.BytesIO()
    partial = None if keep is None else keep.with_name(f"{keep.name}.partial")
    pending: list[bytes] = []  # what a client that does not take gzip is sent next
    size = 0
    with ExitStack() as held:
        file = None if partial is None else held.enter_context(partial.open("wb"))
        # The gzip stream is both what a client that takes gzip is sent and the kept file:
        # level 1, since compressing must keep up with reading (5 times smaller all the same).
        gz = held.enter_context(
            gzip.GzipFile(fileobj=Tee(compressed, file), mode="wb", mtime=0, compresslevel=1)
        )
        connection = held.enter_context(snapshot.engine.connect())
        for chunk in WRITERS[output.value](connection, snapshot.revision):
            gz.write(chunk)
            # Sent a CHUNK at a time, not an item at a time: each is a trip to a thread.
            if gzipped and compressed.tell() >= CHUNK:
                yield _taken(compressed)
            elif not gzipped:
                pending.append(chunk)
                size += len(chunk)
                if size >= CHUNK:
                    yield b"".join(pending)
                    pending.clear()
                    size = 0
    yield _taken(compressed) if gzipped else b"".join(pending)
    if partial is not None and keep is not None:
        partial.replace(keep)


def _taken(buffer: io.BytesIO) -> bytes:
    """What the buffer holds, which it then forgets."""
    taken = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return taken


class Tee(io.RawIOBase):
    """Writes to a buffer and, when given, a file."""

    def __init__(self, buffer: io.BytesIO, file: IO[bytes] | None) -> None:
        self.buffer, self.file = buffer, file

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer.write(data)
        if self.file is not None:
            self.file.write(data)
        return len(data)


def _read(path: Path, unzip: bool) -> Iterator[bytes]:
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
    gzipped = accepts_gzip(request.headers.get("accept-encoding", "").encode("latin-1"))
    if gzipped:
        # Always sent in chunks, with no length: the same headers whether the file is written
        # yet or not, for a GET as for a HEAD.
        headers["Content-Encoding"] = "gzip"
    if request.scope.get(HEAD_ONLY):
        # A HEAD: what GET would send (in chunks: no length), without reading or making it.
        return StreamingResponse(iter(()), headers=headers, media_type=MEDIA_TYPES[output.value])
    return StreamingResponse(
        export_chunks(snapshot, output, gzipped),
        media_type=MEDIA_TYPES[output.value],
        headers=headers,
    )
