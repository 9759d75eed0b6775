"""The search documents: derived from the knowledge tables, rebuilt after every migration run.

One document per concept with a URL (a condition, or an object of a statement whose predicate
serves a list), holding what /search looks in: its name, its aliases, its description, the
details of the statements that name it (their descriptions, qualifiers, indications, audiences)
and their quotes. They are derived data, never curated: migrations/env.py rebuilds them from the
knowledge tables whenever a migration has run, so they always follow the knowledge and the
code that indexes it.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, insert, inspect, select

from app.knowledge.lists import CONCEPT_LISTS
from app.models import (
    Concept,
    Condition,
    Evidence,
    Guidance,
    Predicate,
    SearchCondition,
    SearchDocument,
    Statement,
    table,
)

CONDITION_KIND = "condition"
# Kinds a search hit can have, in the order a concept listed in several takes the first of.
KINDS = (CONDITION_KIND, *CONCEPT_LISTS)


def has_search_documents(connection: Connection) -> bool:
    """Whether the database holds the concept graph's search tables (not an older schema)."""
    names = set(inspect(connection).get_table_names())
    if not {"search_document", "search_condition", "statement"} <= names:
        return False
    columns = {c["name"] for c in inspect(connection).get_columns("search_document")}
    return "aliases" in columns


def rebuild_search_documents(connection: Connection) -> int:
    """Replace every search document with one built from the knowledge tables; return the count."""
    connection.execute(delete(table(SearchCondition)))
    connection.execute(delete(table(SearchDocument)))
    documents = list(build_documents(connection))
    if documents:
        connection.execute(
            insert(table(SearchDocument)),
            [{k: v for k, v in doc.items() if k != "conditions"} for doc in documents],
        )
        connection.execute(
            insert(table(SearchCondition)),
            [
                {"document_id": doc["id"], "condition_slug": condition}
                for doc in documents
                for condition in doc["conditions"]
            ],
        )
    return len(documents)


def build_documents(connection: Connection) -> Iterable[dict[str, Any]]:
    """The search documents the knowledge tables call for, with ids in a stable order."""
    concept, statement, evidence = table(Concept), table(Statement), table(Evidence)
    predicate = table(Predicate)
    resources = {
        row.slug: row.resource
        for row in connection.execute(select(predicate.c.slug, predicate.c.resource))
    }
    conditions = {
        row.slug: row for row in connection.execute(select(table(Condition)).order_by("slug"))
    }
    quotes: dict[str, list[str]] = defaultdict(list)
    for row in connection.execute(
        select(evidence.c.claim, evidence.c.quote).order_by(evidence.c.claim, evidence.c.position)
    ):
        quotes[row.claim].append(row.quote)

    kinds: dict[str, set[str]] = defaultdict(set)
    of: dict[str, set[str]] = defaultdict(set)  # concept -> conditions naming it
    details: dict[str, list[str]] = defaultdict(list)
    said: dict[str, list[str]] = defaultdict(list)
    for row in connection.execute(
        select(statement).order_by(statement.c.condition_slug, statement.c.position)
    ):
        kinds[row.object_slug].add(resources[row.predicate])
        of[row.object_slug].add(row.condition_slug)
        details[row.object_slug] += [
            row.description,
            *row.qualifiers,
            *row.indications,
            *row.cautions,
            *(text for text in (row.aim, row.audience) if text),
        ]
        said[row.object_slug] += quotes[row.id]
    guidance = table(Guidance)
    for g in connection.execute(select(guidance).order_by(guidance.c.position)):
        details[g.condition_slug].append(f"{g.name}: {g.description}")
        said[g.condition_slug] += quotes[f"{g.condition_slug}/guidance/{g.slug}"]
    for slug in conditions:
        kinds[slug].add(CONDITION_KIND)
        of[slug].add(slug)
        said[slug] = quotes[f"{slug}/definition"] + said[slug]

    served = [
        row
        for row in connection.execute(select(concept).order_by(concept.c.slug))
        if kinds[row.slug] & set(KINDS)
    ]
    for number, row in enumerate(served, start=1):
        kind = next(k for k in KINDS if k in kinds[row.slug])
        description = (
            conditions[row.slug].description if row.slug in conditions else row.description
        )
        yield {
            "id": number,
            "kind": kind,
            "slug": row.slug,
            "name": row.name,
            "aliases": "\n".join(row.also_called),
            "description": description or "",
            "details": "\n".join(dict.fromkeys(details[row.slug])),
            "quotes": "\n".join(dict.fromkeys(said[row.slug])),
            "conditions": sorted(of[row.slug]),
        }
