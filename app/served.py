"""The knowledge as it is served: every item rendered once per snapshot, and what finds it.

A snapshot's build (app/snapshot.py) writes these tables from the knowledge tables it copied,
with the graph (app/graph.py) and the renderers (app/render.py); every request reads them, and
nothing else, through a connection to the snapshot file:

- `served_item`: each answer's JSON by list, slug and condition: the concepts each list serves,
  whole (condition '') and, where a concept is named by more than one condition, narrowed to one;
  the condition pages; the sources and their texts.
- `item_order`: each list's items in order, whole and in views of one filter (a condition, a
  certainty, a kind, a cause type, a treatment): a page of them is a range of ranks, however
  deep, and its total the last.
- `listing`: every statement that puts an item in a list, with what the other filters look at.
- `concept_text`: each concept's name, aliases and description, case-folded, for `q`, with a
  trigram index that finds a text in them without reading them all.
- `served_document`: the few answers about the whole (meta, vocabulary) and the shape requests
  check their parameters against.
- `code_lookup`: every curated code of every served item, by system and normalised code, with
  the item's kind, name and description and the code's relation to it: what /lookup and
  /infobutton read (app/lookup.py).

So a worker opens a snapshot in milliseconds whatever the library's size, holds none of it in
memory but the shape, and answers every list, page and detail with a few indexed reads.
"""

import gc
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    column,
    func,
    select,
)
from sqlalchemy import table as sql_table

from app.catalog import BY_NAME, RESOURCES, Resource
from app.db import insert_rows, write_rows
from app.errors import InvalidParameter, Moved, NotFound, UnknownReference
from app.graph import Filters, Graph, load_texts
from app.knowledge.codes import CODE_SYSTEMS
from app.knowledge.lists import CAUSES, CERTAINTY, DRUGS, TREATMENTS
from app.models import Concept, ConceptCode, ConceptRedirect, Condition
from app.models import table as model_table
from app.overview import describe, vocabulary
from app.render import render_concepts, render_conditions, render_sources, source_text

T = TypeVar("T")
SERVED = MetaData()
WHOLE = ""  # the condition of an item that holds every condition's statements
CONDITIONS, SOURCES, SOURCE_TEXTS = "conditions", "sources", "source-texts"
# Items rendered per query batch, and rows written per insert: bounded memory at any size.
BATCH = 200

ITEM = Table(
    "served_item",
    SERVED,
    Column("list", String, primary_key=True),
    Column("slug", String, primary_key=True),
    Column("condition", String, primary_key=True),
    Column("body", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)
ORDER = Table(
    "item_order",
    SERVED,
    Column("list", String, primary_key=True),
    # '' for the whole list, a condition's slug, or "<filter>:<value>" ("certainty:stated").
    Column("view", String, primary_key=True),
    Column("rank", Integer, primary_key=True),
    Column("slug", String, nullable=False),
    sqlite_with_rowid=False,
)
LISTING = Table(
    "listing",
    SERVED,
    Column("list", String, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("slug", String, nullable=False),
    Column("condition", String, nullable=False),
    Column("cause", String),
    Column("treatment", String),
    Column("certainty", String, nullable=False),
    Column("kind", String),
    Index("ix_listing_list_seq", "list", "seq"),
    Index("ix_listing_list_cause", "list", "cause"),
    Index("ix_listing_list_treatment", "list", "treatment"),
    # From the concepts a text is found in (`q`) to their statements.
    Index("ix_listing_slug", "slug", "list"),
)
TEXT = Table(
    "concept_text",
    SERVED,
    Column("id", Integer, primary_key=True),
    Column("slug", String, nullable=False, unique=True),
    Column("folded", String, nullable=False),
)
# A text is found in the concepts' texts by their trigrams (FTS5's trigram tokenizer): what
# `q` asks is a substring, not a word.
TRIGRAM = 3
TEXT_INDEX_DDL = (
    "CREATE VIRTUAL TABLE concept_text_index USING fts5("
    "folded, content='concept_text', content_rowid='id', tokenize='trigram')"
)
TEXT_INDEX = sql_table("concept_text_index", column("rowid", Integer), column("concept_text_index"))
# The filters with views of their own in item_order, beside the condition.
VIEWS = ("certainty", "kind", "cause", "treatment")
# The old slugs of renamed or merged concepts, in each list (or `conditions`) the concept they
# became is served in: a detail asked by an old slug answers 308 to the new one.
REDIRECT = Table(
    "served_redirect",
    SERVED,
    Column("list", String, primary_key=True),
    Column("old_slug", String, primary_key=True),
    Column("slug", String, nullable=False),
    sqlite_with_rowid=False,
)
DOCUMENT = Table(
    "served_document",
    SERVED,
    Column("name", String, primary_key=True),
    Column("body", LargeBinary, nullable=False),
)
# Every curated code of every item with a URL, found by (system, normalised code): what a
# clinical system's code leads to (app/lookup.py). One row per item and code.
LOOKUP = Table(
    "code_lookup",
    SERVED,
    Column("system", String, nullable=False),  # FHIR URI
    Column("code", String, nullable=False),  # normalised: lookup_key()
    Column("shown", String, nullable=False),  # the code as curated ("N18.9")
    Column("kind", String, nullable=False),  # "condition", or the first list it is served in
    Column("slug", String, nullable=False),
    Column("name", String, nullable=False),
    Column("description", String, nullable=False),
    Column("relation", String, nullable=False),  # the code's relation to the item, as curated
    Column("display", String, nullable=False),
    # Document order: conditions, then each list's items in order, each item's codes in order.
    Column("rank", Integer, nullable=False),
    Index("ix_code_lookup_system_code", "system", "code"),
)
CONDITION_KIND = "condition"
ICD_10_CM = CODE_SYSTEMS["ICD-10-CM"]


def to_json(model: BaseModel) -> bytes:
    return model.__pydantic_serializer__.to_json(model)


@dataclass
class Shape:
    """What a request checks its parameters against, held in memory per snapshot: small, and
    read once when the snapshot opens."""

    revision: str
    # Condition slugs, in order.
    conditions: list[str]
    # Vocabulary -> its term slugs, in order.
    terms: dict[str, list[str]]
    # What `derived` has read: kept as long as the snapshot serves.
    _derived: dict[Callable[[Connection], Any], Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.condition_set = frozenset(self.conditions)

    def require_condition(self, slug: str) -> None:
        if slug not in self.condition_set:
            raise UnknownReference("condition", f"no condition with slug {slug!r}; see /conditions")

    def derived(self, build: Callable[[Connection], T], connection: Connection) -> T:
        """What `build` reads of this snapshot, read on first use only: data few requests
        need, such as the search vocabulary. (Two first uses at once both read it: the same.)"""
        if build not in self._derived:
            self._derived[build] = build(connection)
            keep_for_good()
        return cast(T, self._derived[build])


def keep_for_good() -> None:
    """Take what the heap holds now out of the cyclic garbage collector's sight: the shape and
    what is derived from it live as long as their snapshot, and a full collection walking their
    hundreds of thousands of objects (at 10,000 conditions) stalls every request for tens of
    milliseconds. They are still freed, by reference counting, when the snapshot goes; garbage is
    collected first, so that none is kept."""
    gc.collect()
    gc.freeze()


def read_shape(connection: Connection) -> Shape:
    body = connection.scalar(select(DOCUMENT.c.body).where(DOCUMENT.c.name == "shape"))
    if body is None:
        raise LookupError("this snapshot holds no served knowledge")
    return Shape(**json.loads(body))


def document(connection: Connection, name: str) -> bytes:
    body: bytes = connection.execute(
        select(DOCUMENT.c.body).where(DOCUMENT.c.name == name)
    ).scalar_one()
    return body


# Reading, per request.


# The reads every request makes, in SQL as SQLite runs it, on the driver's own connection: its
# statement cache keeps them prepared, and none costs a compilation or a result's processing.
ITEM_SQL = (
    "SELECT condition, body FROM served_item WHERE list = ? AND slug = ? AND condition IN ('', ?)"
)
ITEMS_SQL = (
    "SELECT slug, condition, body FROM served_item WHERE list = ? AND condition IN ('', ?) "
    "AND slug IN (SELECT value FROM json_each(?))"
)
LAST_SQL = "SELECT max(rank) FROM item_order WHERE list = ? AND view = ?"


def _fetched(connection: Connection, sql: str, *parameters: Any) -> list[Any]:
    driver: Any = connection.connection.driver_connection
    rows: list[Any] = driver.execute(sql, parameters).fetchall()
    return rows


def item(connection: Connection, list_name: str, slug: str, condition: str = WHOLE) -> bytes | None:
    """One served answer: an item as a list serves it (narrowed to a condition if it differs)."""
    found = dict(_fetched(connection, ITEM_SQL, list_name, slug, condition))
    return found.get(condition, found.get(WHOLE))


def items(
    connection: Connection, list_name: str, slugs: list[str], condition: str = WHOLE
) -> list[bytes]:
    """Served answers in the order of `slugs`, narrowed to `condition` where that differs."""
    if not slugs:
        return []
    found: dict[str, bytes] = {}
    named = json.dumps(slugs)
    for slug, kept, body in _fetched(connection, ITEMS_SQL, list_name, condition, named):
        if kept == condition or slug not in found:
            found[slug] = body
    return [found[slug] for slug in slugs]


# A range of a view's items with their answers, in one read: each item's answer narrowed to the
# condition where that differs (its row comes first), else the whole.
ORDERED_ITEMS_SQL = (
    "SELECT o.slug, i.body FROM item_order o JOIN served_item i "
    "ON i.list = o.list AND i.slug = o.slug AND i.condition IN ('', ?) "
    "WHERE o.list = ? AND o.view = ? AND o.rank >= ? AND o.rank < ? "
    "ORDER BY o.rank, i.condition = '' "
)


def ordered_items(
    connection: Connection,
    list_name: str,
    view: str,
    limit: int,
    offset: int,
    condition: str = WHOLE,
) -> tuple[list[bytes], int]:
    """A range of a list's items in order, whole or in a view, as served (narrowed to
    `condition` where that differs), and how many there are."""
    ((last,),) = _fetched(connection, LAST_SQL, list_name, view)
    rows = _fetched(
        connection, ORDERED_ITEMS_SQL, condition, list_name, view, offset, offset + limit
    )
    found: dict[str, bytes] = {}
    for slug, body in rows:
        found.setdefault(slug, body)
    return list(found.values()), 0 if last is None else last + 1


def whole_page(
    connection: Connection, list_name: str, limit: int, offset: int
) -> tuple[list[bytes], int]:
    """One page of a list that has no filters (conditions, sources), and its total."""
    return ordered_items(connection, list_name, WHOLE, limit, offset)


def page(
    connection: Connection,
    shape: Shape,
    resource: Resource,
    filters: Filters,
    limit: int,
    offset: int,
) -> tuple[list[bytes], int]:
    """One page of a list under the filters, and how many items match; 404 or 422 for filters
    that name nothing. An item comes where the first statement that keeps it comes."""
    check(connection, shape, resource, filters)
    view = _view(filters)
    condition = filters.condition or WHOLE
    if view is not None:
        bodies, total = ordered_items(connection, resource.name, view, limit, offset, condition)
    else:
        slugs, total = _filtered(connection, resource, filters, limit, offset)
        bodies = items(connection, resource.name, slugs, condition)
    if filters.narrowing != Filters(condition=filters.condition):
        bodies = [narrowed(body, filters) for body in bodies]
    return bodies, total


# What a list adds to an item from its statements (app/render.py), by the statement's field.
_FROM_STATEMENTS = {"cause_types": "cause_type", "treatments": "treatment"}


def narrowed(body: bytes, filters: Filters) -> bytes:
    """An item with only the statements the statement-level filters keep (one certainty's, one
    cause type's, one treatment's), and only the conditions and references those statements
    make, as the renderer renders an item narrowed so. Narrowing to a condition is rendered
    ahead (served_item); these filters combine too freely for that, and a page narrows at most
    its hundred items."""
    item = json.loads(body)
    statements = [
        statement
        for statement in item["statements"]
        if filters.keeps_statement(
            statement["condition"]["slug"],
            _slug(statement.get("cause_type")),
            _slug(statement.get("treatment")),
            statement["certainty"],
        )
    ]
    if len(statements) == len(item["statements"]):
        return body
    item["statements"] = statements
    item["conditions"] = _unique(statement["condition"] for statement in statements)
    for references, field_name in _FROM_STATEMENTS.items():
        if references in item:
            item[references] = _unique(statement[field_name] for statement in statements)
    return json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()


def _slug(reference: dict[str, Any] | None) -> str | None:
    return None if reference is None else reference["slug"]


def _unique(references: Iterable[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """References in the order they first come, each once."""
    return list({ref["slug"]: ref for ref in references if ref is not None}.values())


def _view(filters: Filters) -> str | None:
    """The ordered view that holds the filters' answer, if one does."""
    if filters == Filters():
        return WHOLE
    if filters == Filters(condition=filters.condition):
        return filters.condition
    for name in VIEWS:
        if filters == Filters(**{name: getattr(filters, name)}):
            return f"{name}:{getattr(filters, name)}"
    return None


def _filtered(
    connection: Connection, resource: Resource, filters: Filters, limit: int, offset: int
) -> tuple[list[str], int]:
    where = [LISTING.c.list == resource.name]
    for filtered, value in (
        (LISTING.c.condition, filters.condition),
        (LISTING.c.cause, filters.cause),
        (LISTING.c.treatment, filters.treatment),
        (LISTING.c.certainty, filters.certainty),
        (LISTING.c.kind, filters.kind),
    ):
        if value is not None:
            where.append(filtered == value)
    if filters.q:
        where.append(LISTING.c.slug.in_(_holding(filters.q.casefold())))
    kept = (
        select(LISTING.c.slug, func.min(LISTING.c.seq).label("first"))
        .where(*where)
        .group_by(LISTING.c.slug)
        .subquery()
    )
    total = connection.scalar(select(func.count()).select_from(kept)) or 0
    slugs = connection.scalars(
        select(kept.c.slug).order_by(kept.c.first).limit(limit).offset(offset)
    ).all()
    return list(slugs), total


def _holding(needle: str) -> Any:
    """The concepts whose text holds `needle`: found by the trigram index when the needle has
    three characters or more (its trigrams), else by reading every text."""
    if len(needle) >= TRIGRAM:
        phrase = '"' + needle.replace('"', '""') + '"'
        found = select(TEXT_INDEX.c.rowid).where(TEXT_INDEX.c.concept_text_index.match(phrase))
        return select(TEXT.c.slug).where(TEXT.c.id.in_(found))
    return select(TEXT.c.slug).where(func.instr(TEXT.c.folded, needle) > 0)


def check(connection: Connection, shape: Shape, resource: Resource, filters: Filters) -> None:
    """Refuse filters that name nothing: 404 for unknown items, 422 for unknown terms."""
    if filters.condition is not None:
        shape.require_condition(filters.condition)
    for parameter, slug, name in (
        ("cause", filters.cause, CAUSES),
        ("treatment", filters.treatment, TREATMENTS),
    ):
        if slug is not None and not listed(connection, name, slug):
            noun = BY_NAME[name].singular
            raise UnknownReference(parameter, f"no {noun} with slug {slug!r}; see /{name}")
    for parameter, term, terms in (
        ("kind", filters.kind, resource.kind_vocabulary),
        ("certainty", filters.certainty, CERTAINTY),
    ):
        known = shape.terms.get(terms or "", [])
        if term is not None and terms is not None and term not in known:
            raise InvalidParameter(parameter, f"must be one of: {', '.join(known)}")


def listed(connection: Connection, list_name: str, slug: str) -> bool:
    return item(connection, list_name, slug) is not None


def require(connection: Connection, list_name: str, slug: str, message: str) -> bytes:
    """A served answer; a 308 to its concept's slug for an old slug; else a 404 saying
    `message`."""
    found = item(connection, list_name, slug)
    if found is None:
        moved_to = connection.scalar(
            select(REDIRECT.c.slug).where(REDIRECT.c.list == list_name, REDIRECT.c.old_slug == slug)
        )
        if moved_to is not None:
            raise Moved(slug, moved_to)
        raise NotFound(message)
    return found


def redirects(connection: Connection) -> Iterator[tuple[str, str, str]]:
    """Every old slug: (list, old slug, slug), by list and old slug."""
    rows = connection.execute(
        select(REDIRECT.c.list, REDIRECT.c.old_slug, REDIRECT.c.slug).order_by(
            REDIRECT.c.list, REDIRECT.c.old_slug
        )
    )
    for row in rows:
        yield row.list, row.old_slug, row.slug


def lookup_key(system: str, code: str) -> str:
    """A code as the lookup table holds it: trimmed, upper case, and for ICD-10-CM without its
    dot, so that `L94.2`, `l942` and `L942` are one code."""
    key = code.strip().upper()
    return key.replace(".", "") if system == ICD_10_CM else key


def coded(connection: Connection, system: str, key: str) -> list[Any]:
    """The lookup rows of one code (`lookup_key` form), in document order."""
    return list(
        connection.execute(
            select(LOOKUP)
            .where(LOOKUP.c.system == system, LOOKUP.c.code == key)
            .order_by(LOOKUP.c.rank)
        )
    )


def first_code(connection: Connection, other_than: str) -> Any:
    """The first code the knowledge holds (its row: system, shown, ...) of a system other than
    `other_than`, or None."""
    return connection.execute(
        select(LOOKUP).where(LOOKUP.c.system != other_than).order_by(LOOKUP.c.rank).limit(1)
    ).first()


def coded_under(connection: Connection, system: str, prefix: str) -> list[Any]:
    """The lookup rows of every code that begins with `prefix` (`lookup_key` form), in document
    order: an ICD-10-CM category's codes, by a range of the index."""
    return list(
        connection.execute(
            select(LOOKUP)
            .where(
                LOOKUP.c.system == system,
                LOOKUP.c.code >= prefix,
                LOOKUP.c.code < prefix + "\U0010ffff",
            )
            .order_by(LOOKUP.c.rank)
        )
    )


# Writing, once per snapshot.


# An item as written in served_item: its list, slug, condition ('' for whole) and answer.
ItemRow = tuple[str, str, str, bytes]


@dataclass(frozen=True)
class RenderBatch:
    """Items rendered together: some of a list's slugs (or the conditions'), whole or narrowed
    to one condition."""

    list_name: str
    condition: str
    slugs: list[str]


# Renders batches, giving each one's rows in the order of the batches: here, or in processes
# of their own (app/snapshot.py).
Renderer = Callable[[Iterable[RenderBatch]], Iterable[list[ItemRow]]]


def render_batch(connection: Connection, graph: Graph, batch: RenderBatch) -> list[ItemRow]:
    """A batch's items, rendered from the knowledge tables `connection` reads."""
    if batch.list_name == CONDITIONS:
        models: dict[str, Any] = render_conditions(connection, graph, batch.slugs)
    else:
        narrowing = Filters(condition=batch.condition or None)
        models = render_concepts(
            connection, graph, BY_NAME[batch.list_name], batch.slugs, narrowing
        )
    return [
        (batch.list_name, slug, batch.condition, to_json(model)) for slug, model in models.items()
    ]


def write(connection: Connection, graph: Graph, render: Renderer | None = None) -> None:
    """Render everything the knowledge serves into the served tables of `connection`, whose
    knowledge tables `render` reads (by default in this process, from `connection`)."""
    SERVED.create_all(connection)

    def here(batches: Iterable[RenderBatch]) -> Iterator[list[ItemRow]]:
        return (render_batch(connection, graph, batch) for batch in batches)

    item_columns = [c.name for c in ITEM.c]
    for rows in (render or here)(_render_batches(graph)):
        write_rows(connection, ITEM.name, item_columns, rows)
    for resource in RESOURCES:
        _write_list(connection, graph, resource)
    conditions = list(graph.conditions)
    insert_rows(connection, ORDER, _ranks(CONDITIONS, WHOLE, conditions))
    sources = render_sources(connection, graph)
    insert_rows(
        connection,
        ITEM,
        (
            row
            for source in sources
            for row in (
                {"list": SOURCES, "slug": source.slug, "condition": WHOLE, "body": to_json(source)},
                {
                    "list": SOURCE_TEXTS,
                    "slug": source.slug,
                    "condition": WHOLE,
                    "body": (source_text(connection, source.slug) or "").encode(),
                },
            )
        ),
    )
    insert_rows(connection, ORDER, _ranks(SOURCES, WHOLE, [source.slug for source in sources]))
    insert_rows(connection, REDIRECT, _redirects(connection, graph))
    texts = load_texts(connection)
    insert_rows(
        connection,
        TEXT,
        ({"id": n, "slug": s, "folded": t} for n, (s, t) in enumerate(texts.items(), start=1)),
    )
    connection.exec_driver_sql(TEXT_INDEX_DDL)
    connection.exec_driver_sql(
        "INSERT INTO concept_text_index (concept_text_index) VALUES ('rebuild')"
    )
    shape = {
        "revision": graph.revision,
        "conditions": conditions,
        "terms": {name: [t.slug for t in terms] for name, terms in graph.vocabularies.items()},
    }
    documents = {
        "meta": to_json(describe(graph, sources)),
        "vocabulary": to_json(vocabulary(graph)),
        "shape": json.dumps(shape).encode(),
    }
    insert_rows(connection, DOCUMENT, ({"name": n, "body": b} for n, b in documents.items()))
    insert_rows(connection, LOOKUP, _lookup_rows(connection, graph))


def _lookup_rows(connection: Connection, graph: Graph) -> Iterator[dict[str, Any]]:
    """The code table's rows: each item with a URL (a condition, or a concept some list serves,
    under the first list that serves it, as /search names it), with each of its codes."""
    order: dict[str, tuple[int, str]] = {}
    for slug in graph.conditions:
        order.setdefault(slug, (len(order), CONDITION_KIND))
    for resource in RESOURCES:
        for slug in graph.listed.get(resource.name, {}):
            order.setdefault(slug, (len(order), resource.name))
    codes, concept, condition = (
        model_table(ConceptCode),
        model_table(Concept),
        model_table(Condition),
    )
    defined = dict(connection.execute(select(condition.c.slug, condition.c.description)).all())
    rows = connection.execute(
        select(
            codes.c.concept_slug,
            codes.c.system,
            codes.c.code,
            codes.c.display,
            codes.c.relation,
            concept.c.name,
            concept.c.description,
        )
        .join(concept, concept.c.slug == codes.c.concept_slug)
        .order_by(codes.c.concept_slug, codes.c.position)
    ).all()
    found = [row for row in rows if row.concept_slug in order]
    found.sort(key=lambda row: order[row.concept_slug][0])  # stable: codes keep their order
    for rank, row in enumerate(found):
        slug = row.concept_slug
        yield {
            "system": row.system,
            "code": lookup_key(row.system, row.code),
            "shown": row.code,
            "kind": order[slug][1],
            "slug": slug,
            "name": row.name,
            "description": defined.get(slug) or row.description or "",
            "relation": row.relation,
            "display": row.display,
            "rank": rank,
        }


def _render_batches(graph: Graph) -> Iterator[RenderBatch]:
    """Every item a snapshot serves, in batches: each list's items whole, then narrowed to one
    condition where their answer involves more than one; then the condition pages."""
    for resource in RESOURCES:
        slugs = list(graph.listed.get(resource.name, {}))
        for batch in _batches(slugs):
            yield RenderBatch(resource.name, WHOLE, batch)
        narrowed: dict[str, list[str]] = defaultdict(list)
        for slug in slugs:
            touching = _conditions_touching(graph, resource, slug)
            if len(touching) > 1:
                for condition in touching:
                    narrowed[condition].append(slug)
        for condition, shared in narrowed.items():
            for batch in _batches(shared):
                yield RenderBatch(resource.name, condition, batch)
    for batch in _batches(list(graph.conditions)):
        yield RenderBatch(CONDITIONS, WHOLE, batch)


def _write_list(connection: Connection, graph: Graph, resource: Resource) -> None:
    """A list's orders, whole and in every view, and its listing."""
    slugs = list(graph.listed.get(resource.name, {}))
    insert_rows(connection, ORDER, _ranks(resource.name, WHOLE, slugs))
    for condition in graph.conditions:
        claims = graph.claims_of_condition(condition, resource.name)
        ranked = list(dict.fromkeys(claim.object for claim in claims))
        insert_rows(connection, ORDER, _ranks(resource.name, condition, ranked))
    in_order = graph.in_order.get(resource.name, [])
    # A view per value of each statement-level filter, in one pass over the statements.
    views: dict[str, dict[str, None]] = defaultdict(dict)
    for claim in in_order:
        views[f"certainty:{claim.certainty}"].setdefault(claim.object)
        if claim.cause_type is not None:
            views[f"cause:{claim.cause_type}"].setdefault(claim.object)
        if resource.name == DRUGS:
            views[f"treatment:{claim.subject}"].setdefault(claim.object)
    for view, held in views.items():
        insert_rows(connection, ORDER, _ranks(resource.name, view, list(held)))
    kinds = {slug: graph.concepts[slug].kind for slug in slugs}
    if resource.kind_vocabulary is not None:
        for term in graph.terms(resource.kind_vocabulary):
            of_kind = [slug for slug in slugs if kinds[slug] == term]
            insert_rows(connection, ORDER, _ranks(resource.name, f"kind:{term}", of_kind))
    insert_rows(
        connection,
        LISTING,
        (
            {
                "list": resource.name,
                "seq": seq,
                "slug": claim.object,
                "condition": claim.condition,
                "cause": claim.cause_type,
                "treatment": claim.subject if resource.name == DRUGS else None,
                "certainty": claim.certainty,
                "kind": kinds[claim.object],
            }
            for seq, claim in enumerate(graph.in_order.get(resource.name, []))
        ),
    )


def _redirects(connection: Connection, graph: Graph) -> Iterator[dict[str, str]]:
    """An old slug in every list the concept it became is served in, and in the conditions if
    it has a page."""
    renamed = model_table(ConceptRedirect)
    for old_slug, slug in connection.execute(select(renamed.c.old_slug, renamed.c.concept_slug)):
        lists = [name for name, held in graph.listed.items() if slug in held]
        if slug in graph.conditions:
            lists.append(CONDITIONS)
        for list_name in lists:
            yield {"list": list_name, "old_slug": old_slug, "slug": slug}


def _conditions_touching(graph: Graph, resource: Resource, slug: str) -> set[str]:
    """The conditions whose statements a list's answer for `slug` holds (app/render.py)."""
    touching = {claim.condition for claim in graph.claims_of(resource.name, slug)}
    if resource.name == CAUSES:
        touching |= {claim.condition for claim in graph.under_cause.get(slug, [])}
    if resource.name == TREATMENTS:
        touching |= {claim.condition for claim in graph.drugs_of.get(slug, [])}
    return touching


def _ranks(list_name: str, view: str, slugs: list[str]) -> Iterator[dict[str, Any]]:
    for rank, slug in enumerate(slugs):
        yield {"list": list_name, "view": view, "rank": rank, "slug": slug}


def _batches(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), BATCH):
        yield values[start : start + BATCH]
