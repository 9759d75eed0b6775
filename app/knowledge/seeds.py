"""The checked knowledge: each seed with its evidence placed in its source, and all together."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from app.knowledge.formats import (
    ConceptSeed,
    KnowledgeSeed,
    StatementSeed,
    TermSeed,
    VocabularySeed,
)
from app.knowledge.ids import definition_claim, guidance_claim, statement_id


@dataclass(frozen=True)
class Quote:
    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class Seed:
    """One condition's checked knowledge, with each claim's evidence placed in its source."""

    name: str  # the folder's name
    path: Path  # its knowledge file
    data: KnowledgeSeed
    text: str
    evidence: dict[str, list[Quote]]  # claim id -> quotes

    @property
    def condition(self) -> str:
        return self.data.condition.slug

    def statement_id(self, statement: StatementSeed) -> str:
        return statement_id(self.condition, statement)

    def definition_claim(self) -> str:
        return definition_claim(self.condition)

    def guidance_claim(self, slug: str) -> str:
        return guidance_claim(self.condition, slug)

    def defines_condition_concept(self) -> bool:
        return self.data.condition.name is not None


@dataclass(frozen=True)
class Knowledge:
    """Every active seed, checked together, with the vocabularies they draw from."""

    vocabulary: VocabularySeed
    terms: dict[str, list[TermSeed]]
    seeds: list[Seed]

    def concepts(self) -> Iterator[tuple[Seed, ConceptSeed]]:
        """Every concept with the seed that defines it; a condition defined there too."""
        for seed in self.seeds:
            condition = seed.data.condition
            if condition.name is not None:
                yield (
                    seed,
                    ConceptSeed(
                        slug=condition.slug,
                        name=condition.name,
                        also_called=condition.also_called,
                        description=condition.description,
                        codes=condition.codes,
                        formerly=condition.formerly,
                    ),
                )
            for concept in seed.data.concepts:
                yield seed, concept
