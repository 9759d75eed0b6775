"""The OpenAPI document: what the API is, its tags, and response examples read from its data.

The document is built once per knowledge revision, in a worker thread: its examples are real
answers of the served data, and the values a client may send for a vocabulary parameter
(`kind`, `certainty`) are the database's own terms. The served document is the API's contract:
it is kept in docs/openapi.json (tools/contract.py).
"""

import copy
import json
from collections.abc import Iterator
from itertools import islice
from typing import Any
from urllib.parse import urlencode

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection

from app import __version__, served
from app.cache import UNCACHED_PATHS
from app.catalog import RESOURCES
from app.config import Settings
from app.db import reading
from app.jsonld import condition_document
from app.knowledge.lists import CERTAINTY, GUIDANCE_ASPECT
from app.lookup import code_system, lookup
from app.lookup.infobutton import CODE, SYSTEM, XML, answer, atom_xml
from app.negotiation import JSON, JSON_LD
from app.routes.export import NDJSON, listed, sections
from app.routes.index import index
from app.schemas import Guidance, Health, Readiness, SearchHit, Source
from app.search import search
from app.search_index import KINDS
from app.served import Shape
from app.store import KnowledgeStore

OPENAPI_URL = "/openapi.json"

DESCRIPTION = """\
Each condition comes with its causes, risk factors, symptoms, complications, tests, treatments,
drugs, prevention, what makes it worse and who is more likely to have it: concepts shared by
every condition that names them, each with the statements its sources make about it. Every
statement quotes its source verbatim, with the character offsets of the quote, and keeps the
source's certainty (`stated`, `possible`, `suspected`); every concept carries only terminology
codes (ICD-10-CM, MeSH, ATC, RxNorm, LOINC) verified against public code tables, each saying how
well it fits (exact, broader, ...).

**Source.** All content is drawn from the source texts served at `/sources`, each with its
SHA-256; `/sources/{slug}/text` serves the exact text that evidence offsets index into.

**Not medical advice.** This API restates what its sources say, for information only. It does
not diagnose, treat or advise anyone; see a qualified health professional about any health
concern.
"""

_RESOURCE_TAGS = {
    "causes": "Types of a condition named after their cause, with the risk factors under each.",
    "risk-factors": "Conditions and exposures that can lead to a condition, by cause type.",
    "symptoms": 'Signs and symptoms, with the source\'s qualifiers such as "in certain cases".',
    "complications": "What a condition can lead to, with the source's qualifiers.",
    "tests": "Tests a doctor uses to diagnose a condition: blood tests, imaging, biopsy, ...",
    "treatments": "Treatments with their kind, aims, indications, cautions and drugs.",
    "drugs": "Drugs, with the treatments that give them.",
    "prevention": "Measures that reduce the risk, each with the people it is for.",
    "aggravating-factors": "What makes a condition worse: substances, activities, circumstances.",
    "populations": "Groups of people more likely to have a condition: an age, pregnancy, a sex.",
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
        "name": "lookup",
        "description": "Knowledge by the clinical codes a client holds (ICD-10-CM, MeSH, ATC, "
        "RxNorm, LOINC), also under the HL7 Infobutton URL convention.",
    },
    {
        "name": "meta",
        "description": "API version, knowledge revision, sources, counts and vocabularies.",
    },
    {"name": "export", "description": "Everything in one download, for apps that work offline."},
    {"name": "health", "description": "Liveness and readiness, for orchestrators; never cached."},
]


def _export_head(connection: Connection, revision: str) -> tuple[dict[str, Any], str]:
    """The export with the first item of each section, as JSON and as NDJSON."""
    header = {"api_version": __version__, "revision": revision}
    document: dict[str, Any] = dict(header)
    lines = [json.dumps({"kind": "export", **header})]
    for name, kind, items in sections(connection):
        first = [json.loads(item) for item in islice(items, 1)]
        document[name] = first
        lines += [json.dumps({"kind": kind, "item": item}) for item in first]
    return document, "\n".join(lines) + "\n"


def _first_page(item: Any, total: int) -> dict[str, Any]:
    """A list's answer to `limit=1` (an empty page for a list that holds nothing yet)."""
    return {"items": [] if item is None else [item], "total": total, "limit": 1, "offset": 0}


def response_examples(
    app: FastAPI, connection: Connection, shape: Shape, public_url: str
) -> Iterator[tuple[str, str, Any]]:
    """(path, media type, example) for every operation, each a real answer of the served data."""
    yield "/", JSON, index(app).model_dump(mode="json")
    for resource in RESOURCES:
        bodies, total = served.whole_page(connection, resource.name, 1, 0)
        body = json.loads(bodies[0]) if bodies else None
        yield resource.path, JSON, _first_page(body, total)
        if body is not None:  # a list the knowledge does not use yet has no item to show
            yield f"{resource.path}/{{slug}}", JSON, body
    bodies, total = served.whole_page(connection, served.CONDITIONS, 1, 0)
    if bodies:
        condition = json.loads(bodies[0])
        yield "/conditions", JSON, _first_page(condition, total)
        yield "/conditions/{slug}", JSON, condition
        yield (
            "/conditions/{slug}",
            JSON_LD,
            condition_document(connection, condition["slug"], public_url, ""),
        )
        # As answered to /search?q=<the first word of the first condition's name>&limit=2.
        word = condition["name"].split()[0].lower()
        found = search(connection, shape, word, limit=2, offset=0)
        yield "/search", JSON, found.model_dump(mode="json")
    bodies, total = served.whole_page(connection, served.SOURCES, 1, 0)
    if bodies:
        source = json.loads(bodies[0])
        yield "/sources", JSON, _first_page(source, total)
        yield "/sources/{slug}", JSON, source
        text = served.item(connection, served.SOURCE_TEXTS, source["slug"]) or b""
        yield "/sources/{slug}/text", "text/plain", text.decode()
    yield from _lookup_examples(connection, shape, public_url)
    yield "/meta", JSON, json.loads(served.document(connection, "meta"))
    yield "/vocabulary", JSON, json.loads(served.document(connection, "vocabulary"))
    yield "/health", JSON, Health(status="ok").model_dump(mode="json")
    yield "/ready", JSON, Readiness(status="ready", revision=shape.revision).model_dump(mode="json")
    export, ndjson = _export_head(connection, shape.revision)
    yield "/export", JSON, export
    yield "/export", NDJSON, ndjson


def _lookup_examples(
    connection: Connection, shape: Shape, public_url: str
) -> Iterator[tuple[str, str, Any]]:
    """/lookup and /infobutton as answered for the first code the knowledge holds, of a system
    whose codes need no code system loaded (ICD-10-CM's takes seconds and megabytes)."""
    coded = served.first_code(connection, other_than=served.ICD_10_CM)
    if coded is None:
        return
    system = code_system(coded.system, "system")
    found = lookup(connection, system, coded.shown, "code")
    yield "/lookup", JSON, found.page(1, 0).model_dump(mode="json", by_alias=True)
    base = public_url.rstrip("/")
    pairs = [(CODE, coded.shown), (SYSTEM, system.oid)]
    asked = answer(
        connection,
        shape,
        base=base,
        request_id=f"{base}/infobutton?{urlencode(pairs)}",
        system=system,
        code=coded.shown,
        display_name=None,
        recipient="PAT",
    )
    yield "/infobutton", JSON, asked.model_dump(mode="json", by_alias=True)
    yield "/infobutton", XML, atom_xml(asked).decode()


def add_examples(
    app: FastAPI, schema: dict[str, Any], connection: Connection, shape: Shape, public_url: str
) -> None:
    """Attach a real answer as the example of each operation's 200 response."""
    for path, media_type, example in response_examples(app, connection, shape, public_url):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        content[media_type]["example"] = example


def add_vocabularies(schema: dict[str, Any], shape: Shape) -> None:
    """List, on each vocabulary parameter, the terms the knowledge holds."""
    values: dict[tuple[str, str], list[str]] = {}
    for resource in RESOURCES:
        values[(resource.path, "certainty")] = shape.terms.get(CERTAINTY, [])
        if resource.kind_vocabulary is not None:
            values[(resource.path, "kind")] = shape.terms.get(resource.kind_vocabulary, [])
    values[("/search", "kind")] = list(KINDS)
    for (path, name), terms in values.items():
        for operation in schema["paths"].get(path, {}).values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == name and terms:
                    parameter["schema"] = {"type": "string", "enum": terms}
    add_response_vocabularies(schema, shape)


def add_response_vocabularies(schema: dict[str, Any], shape: Shape) -> None:
    """List, on each vocabulary field of the answers, the terms the knowledge holds: every
    `certainty` (statements, section entries, mentions, guidance), a search hit's `kind`, the
    `kind` of a test or a treatment and a guidance section's `aspect`, so that a client knows
    every value it may be sent."""
    components = schema.get("components", {}).get("schemas", {})
    fields: dict[tuple[str, str], list[str]] = {
        (name, "certainty"): shape.terms.get(CERTAINTY, [])
        for name, component in components.items()
        if "certainty" in component.get("properties", {})
    }
    fields[(SearchHit.__name__, "kind")] = list(KINDS)
    fields[(Guidance.__name__, "aspect")] = shape.terms.get(GUIDANCE_ASPECT, [])
    for resource in RESOURCES:
        if resource.kind_vocabulary is not None:
            terms = shape.terms.get(resource.kind_vocabulary, [])
            fields[(resource.schema.__name__, "kind")] = terms
    for (name, field), terms in fields.items():
        properties = components.get(name, {}).get("properties", {})
        if field in properties and terms:
            properties[field] = _with_enum(properties[field], terms)


def _with_enum(field: dict[str, Any], terms: list[str]) -> dict[str, Any]:
    """A string field (or its string branch, when it may be null) limited to `terms`."""
    if field.get("type") == "string":
        return {**field, "enum": terms}
    branches = field.get("anyOf", [])
    return {
        **field,
        "anyOf": [
            {**branch, "enum": terms} if branch.get("type") == "string" else branch
            for branch in branches
        ],
    }


def describe_sources(schema: dict[str, Any], connection: Connection) -> None:
    """Name each source in the API's description, for attribution."""
    sources = (Source.model_validate_json(body) for body in listed(connection, served.SOURCES))
    listing = "\n".join(f"- *{s.title}* (`{s.slug}`, sha256 `{s.sha256}`)" for s in sources)
    schema["info"]["description"] += f"\n**Sources served.**\n\n{listing}\n"


def describe_api(document: dict[str, Any], settings: Settings) -> None:
    """Where the API is served, that it is public, whom to write to and the terms of its content."""
    document["servers"] = [{"url": settings.public_url, "description": "This deployment."}]
    # Public knowledge: no operation asks for credentials.
    document["security"] = []
    document["info"]["contact"] = settings.contact
    # The API restates its sources: reusing what it serves is on the terms of each source,
    # which /sources gives where the seeds record them.
    document["info"]["license"] = {
        "name": "The terms of each source (see /sources)",
        "url": f"{settings.public_url.rstrip('/')}/sources",
    }


def plain_optional_parameters(document: dict[str, Any]) -> None:
    """Declare an optional parameter as its type alone, not "the type, or null".

    A query parameter is absent or has a value: null is nothing a client can send, and the
    union reads as "string | (string | null)" in Swagger UI and generated clients.
    """
    for item in document["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                branches = schema.get("anyOf", [])
                kept = [branch for branch in branches if branch != {"type": "null"}]
                if not parameter.get("required") and len(kept) == 1 < len(branches):
                    rest = {key: value for key, value in schema.items() if key != "anyOf"}
                    parameter["schema"] = {**kept[0], **rest}


NOT_MODIFIED = "NotModified"
HEADERS = {
    "ETag": "Validator of this answer: send it back in If-None-Match, and the answer is 304 "
    "while nothing changed. It changes whenever the knowledge revision does.",
    "Cache-Control": "How long the answer may be reused, e.g. `public, max-age=300`.",
    "Link": "RFC 8288 links to the `first`, `prev`, `next` and `last` pages of the list, "
    "relative to this URL; `prev` and `next` only where such a page exists.",
}


def declare_caching(document: dict[str, Any]) -> None:
    """Declare the validators and paging links answers carry, and the 304 revalidation gets."""
    components = document.setdefault("components", {})
    components["headers"] = {
        name: {"description": text, "schema": {"type": "string"}} for name, text in HEADERS.items()
    }
    components["responses"] = {
        NOT_MODIFIED: {
            "description": "Not Modified: the answer is still the one whose ETag the request "
            "sent in If-None-Match.",
            "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
        }
    }
    for path, item in document["paths"].items():
        for operation in item.values():
            names = []
            if path not in UNCACHED_PATHS:
                names += ["ETag", "Cache-Control"]
                operation["responses"]["304"] = {"$ref": f"#/components/responses/{NOT_MODIFIED}"}
            if any(p["name"] == "offset" for p in operation.get("parameters", [])):
                names.append("Link")
            if names:
                operation["responses"]["200"]["headers"] = {
                    name: {"$ref": f"#/components/headers/{name}"} for name in names
                }


HEAD_PREFIX = "head_"


def declare_head(document: dict[str, Any]) -> None:
    """Declare beside every GET the HEAD it also answers: the same parameters, statuses and
    headers, no body. (The operations' parameters must be complete: the HEAD copies them.)"""
    for path, item in document["paths"].items():
        get = item.get("get")
        if get is None or "head" in item:
            continue
        head = copy.deepcopy({key: value for key, value in get.items() if key != "responses"})
        head["operationId"] = HEAD_PREFIX + get["operationId"]
        head["summary"] = f"{get['summary']} (headers only)"
        head["description"] = (
            f"What `GET {path}` answers, status and headers (`ETag`, `Link`, ...), without its "
            "body: to learn whether an item exists, or has changed, without downloading it."
        )
        head["responses"] = {
            status: response
            if "$ref" in response
            else {key: copy.deepcopy(value) for key, value in response.items() if key != "content"}
            for status, response in get["responses"].items()
        }
        item["head"] = head


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Serve /openapi.json, built in a worker thread once per knowledge revision."""
    build = app.openapi  # FastAPI's document, with what install_error_handlers adds
    documents: dict[str, dict[str, Any]] = {}

    def contract() -> dict[str, Any]:
        """The document as the code and the settings make it, before any data."""
        # A copy: FastAPI keeps its own, and a failure must leave nothing half-made.
        document = copy.deepcopy(build())
        describe_api(document, settings)
        plain_optional_parameters(document)
        declare_caching(document)
        return document

    def openapi() -> dict[str, Any]:
        store: KnowledgeStore | None = getattr(app.state, "store", None)
        if store is None:
            document = contract()  # not serving: the document as the code alone makes it
            declare_head(document)
            return document
        snapshot = store.snapshot()  # 503 while no knowledge is served: no examples yet
        if snapshot.revision not in documents:
            with reading(snapshot.engine) as connection:
                # Kept only once whole.
                document = contract()
                add_examples(app, document, connection, snapshot.shape, settings.public_url)
                add_vocabularies(document, snapshot.shape)
                describe_sources(document, connection)
                declare_head(document)
            documents.clear()
            documents[snapshot.revision] = document
        return documents[snapshot.revision]

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get(OPENAPI_URL, include_in_schema=False)
    async def openapi_document(_request: Request) -> JSONResponse:
        return JSONResponse(await anyio.to_thread.run_sync(openapi))
