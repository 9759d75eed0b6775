"""What the knowledge of a snapshot is, as a whole: its revision and date, sources, counts and
vocabularies. Rendered once per snapshot (app/served.py) and served by /meta and /vocabulary."""

import re
from functools import lru_cache

from pydantic import Field

from app import __version__
from app.catalog import RESOURCES
from app.db import migration_script
from app.graph import Graph
from app.schemas import PredicateTerm, Schema, Source, Term, Vocabulary


class Meta(Schema):
    """The API's version, the knowledge revision, its sources and how many items of each kind."""

    api_version: str = Field(description="Version of the API software.")
    revision: str = Field(
        description="Knowledge revision: the database migration it was built to. "
        "It changes whenever the knowledge does."
    )
    knowledge_version: str = Field(
        description='The knowledge revision and the day it was written, e.g. "0006 of 2026-11-25".'
    )
    knowledge_date: str | None = Field(
        description="ISO date on which the knowledge revision was written (its migration's "
        "Create Date); null for a revision this server's code does not know."
    )
    sources: list[Source] = Field(description="Every source, with its attribution.")
    counts: dict[str, int] = Field(
        description="How many items each list serves (`conditions`, `causes`, ...), and how "
        "many `sources` and `statements` there are."
    )


CREATE_DATE = re.compile(r"^Create Date: (\d{4}-\d{2}-\d{2})", re.MULTILINE)


@lru_cache(maxsize=1)
def migration_dates() -> dict[str, str]:
    """Each migration's Create Date (ISO), by revision: the day its knowledge was written."""
    revisions = migration_script().walk_revisions()
    found = ((m.revision, CREATE_DATE.search(m.longdoc)) for m in revisions)
    return {revision: date.group(1) for revision, date in found if date}


def describe(graph: Graph, sources: list[Source]) -> Meta:
    """What /meta answers for the knowledge of `graph`."""
    # The database may be at several heads: its knowledge is as recent as the latest one.
    dates = [migration_dates().get(revision) for revision in graph.revision.split(",")]
    date = max((d for d in dates if d), default=None) if all(dates) else None
    return Meta(
        api_version=__version__,
        revision=graph.revision,
        knowledge_version=f"{graph.revision} of {date}" if date else graph.revision,
        knowledge_date=date,
        sources=sources,
        counts=counts(graph, len(sources)),
    )


def counts(graph: Graph, sources: int) -> dict[str, int]:
    found = {"sources": sources, "conditions": len(graph.conditions)}
    found |= {r.operation_name: len(graph.listed.get(r.name, {})) for r in RESOURCES}
    return found | {"statements": len(graph.claims)}


def vocabulary(graph: Graph) -> Vocabulary:
    return Vocabulary(
        predicates=[
            PredicateTerm(
                slug=p.slug,
                label=p.label,
                description=p.description,
                plain=p.plain,
                resource=p.resource,
                subject=p.subject,
            )
            for p in graph.predicates.values()
        ],
        vocabularies={
            name: [
                Term(slug=t.slug, label=t.label, description=t.description, plain=t.plain)
                for t in terms
            ]
            for name, terms in graph.vocabularies.items()
        },
    )
