"""What the API should serve, read straight from the seeds: the tests' expectations.

Written apart from the application's own graph code, so that a test compares two readings of
the seeds rather than the application with itself.
"""

from collections import defaultdict

from app.catalog import RESOURCES
from app.knowledge import Knowledge
from app.knowledge.formats import StatementSeed
from app.knowledge.seeds import Seed

# Every list the API serves concepts in, by its path's name.
LISTS = tuple(resource.name for resource in RESOURCES)


def resource_of(knowledge: Knowledge, predicate: str) -> str:
    return next(p.resource for p in knowledge.vocabulary.predicate if p.slug == predicate)


def seeds(knowledge: Knowledge) -> list[Seed]:
    """Seeds in the order the API lists conditions: by condition slug."""
    return sorted(knowledge.seeds, key=lambda seed: seed.condition)


def statements(knowledge: Knowledge, resource: str) -> list[tuple[Seed, StatementSeed]]:
    """Every statement whose object a list serves, condition by condition, in source order."""
    return [
        (seed, statement)
        for seed in seeds(knowledge)
        for statement in seed.data.statements
        if resource_of(knowledge, statement.predicate) == resource
    ]


def listed(knowledge: Knowledge, resource: str, condition: str | None = None) -> list[str]:
    """The slugs a list serves, in order: first named, first listed."""
    return list(
        dict.fromkeys(
            statement.object
            for seed, statement in statements(knowledge, resource)
            if condition in (None, seed.condition)
        )
    )


def naming(knowledge: Knowledge, resource: str, slug: str) -> list[tuple[Seed, StatementSeed]]:
    """The statements that put a concept in a list."""
    return [(seed, s) for seed, s in statements(knowledge, resource) if s.object == slug]


def shared(knowledge: Knowledge) -> dict[tuple[str, str], set[str]]:
    """(list, concept) -> the conditions naming it, for concepts two or more conditions name."""
    named: dict[tuple[str, str], set[str]] = defaultdict(set)
    for resource in LISTS:
        for seed, statement in statements(knowledge, resource):
            named[(resource, statement.object)].add(seed.condition)
    return {key: conditions for key, conditions in named.items() if len(conditions) > 1}


def conditions(knowledge: Knowledge) -> list[str]:
    return [seed.condition for seed in seeds(knowledge)]


def concept_codes(knowledge: Knowledge) -> dict[str, list[tuple[str, str, str]]]:
    """Concept slug -> its codes as (short system, code, relation), as the seeds give them."""
    return {
        concept.slug: [(c.system, c.code, c.relation) for c in concept.codes]
        for _seed, concept in knowledge.concepts()
    }
