"""The checks that need every seed at once: references, vocabularies, codes and clashes.

Each seed was read, and its quotes placed, on its own (reading.py); here they are checked
together, as the database will hold them: each reference resolves, each term is in its
vocabulary, each code is in the verified table with the relation it gives, and no concept is
defined twice or looks like one defined elsewhere.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from app.knowledge.codes import CODE_SYSTEMS, CODE_TABLE, VerifiedCode
from app.knowledge.formats import CodeSeed, ConceptSeed, TermSeed, VocabularySeed
from app.knowledge.ids import SLUG
from app.knowledge.lists import (
    CAUSES,
    CERTAINTY,
    CODE_RELATION,
    CONDITION_SUBJECT,
    KIND_VOCABULARIES,
)
from app.knowledge.problems import Problem, describe_statement, shown_file
from app.knowledge.reading import VOCABULARY_FILE
from app.knowledge.seeds import Knowledge, Seed


def check_together(
    vocabulary: VocabularySeed,
    terms: dict[str, list[TermSeed]],
    codes: dict[tuple[str, str], VerifiedCode],
    seeds: list[Seed],
) -> list[Problem]:
    """Every problem the seeds have together, given the vocabulary and the verified codes."""
    return _Checker(vocabulary, terms, codes, seeds).problems()


@dataclass
class _Checker:
    """The checks that need every seed at once: references, vocabularies, codes, clashes."""

    vocabulary: VocabularySeed
    terms: dict[str, list[TermSeed]]
    codes: dict[tuple[str, str], VerifiedCode]
    seeds: list[Seed]
    found: list[Problem] = field(default_factory=list)

    def problems(self) -> list[Problem]:
        self.predicates = {p.slug: p for p in self.vocabulary.predicate}
        self.vocab = {name: {t.slug for t in listed} for name, listed in self.terms.items()}
        self.defined: dict[str, tuple[Seed, ConceptSeed]] = {}
        self._concepts()
        self._conditions_and_sources()
        for seed in self.seeds:
            self._statements(seed)
        self._usage()
        self._likely_duplicates()
        return self.found

    def report(self, seed: Seed, item: str, message: str) -> None:
        self.found.append(Problem(seed.path, item, message))

    def _concepts(self) -> None:
        knowledge = Knowledge(self.vocabulary, self.terms, self.seeds)
        for seed, concept in knowledge.concepts():
            item = f"concept {concept.slug!r}"
            if not SLUG.match(concept.slug):
                self.report(seed, item, "the slug is not kebab-case")
            if concept.slug in self.defined:
                other, _ = self.defined[concept.slug]
                where = "earlier in this file" if other is seed else f"in {shown_file(other.path)}"
                self.report(
                    seed,
                    item,
                    f"already defined {where}: define a concept once and refer to it by slug",
                )
                continue
            self.defined[concept.slug] = (seed, concept)
            for code in concept.codes:
                self._code(seed, item, code)

    def _code(self, seed: Seed, item: str, code: CodeSeed) -> None:
        where = f"{code.system} {code.code}"
        if code.system not in CODE_SYSTEMS:
            known = ", ".join(CODE_SYSTEMS)
            self.report(seed, item, f"unknown code system {code.system!r} (known: {known})")
            return
        verified = self.codes.get((code.system, code.code))
        if verified is None:
            self.report(
                seed,
                item,
                f"{where} is not in the verified {CODE_TABLE}: add it there with its source "
                "first, or leave the code out",
            )
            return
        if verified.display != code.display:
            self.report(
                seed, item, f"{where} is {verified.display!r} in {CODE_TABLE}, not {code.display!r}"
            )
        if code.relation not in self.vocab.get(CODE_RELATION, set()):
            self.report(seed, item, f"{where}: unknown relation {code.relation!r}")
        elif code.relation not in verified.relations:
            allowed = " or ".join(sorted(verified.relations)) or "none"
            self.report(
                seed,
                item,
                f"{where}: {CODE_TABLE} gives its relation as {allowed}, not {code.relation!r}",
            )

    def _conditions_and_sources(self) -> None:
        conditions: dict[str, Seed] = {}
        sources: dict[str, Seed] = {}
        for seed in self.seeds:
            if not SLUG.match(seed.name):
                self.report(seed, "folder", f"the folder name {seed.name!r} is not kebab-case")
            condition, source = seed.data.condition, seed.data.source
            for slug, what in ((condition.slug, "condition"), (source.slug, "source")):
                if not SLUG.match(slug):
                    self.report(seed, f"{what} {slug!r}", "the slug is not kebab-case")
            if condition.slug in conditions:
                other = shown_file(conditions[condition.slug].path)
                self.report(
                    seed,
                    f"condition {condition.slug!r}",
                    f"{other} is about the same condition: correct that seed with "
                    "`supersedes` instead of adding a second one",
                )
            conditions[condition.slug] = seed
            if condition.name is None and condition.slug not in self.defined:
                self.report(
                    seed,
                    f"condition {condition.slug!r}",
                    "no seed defines this concept: give the condition a name (and its codes)",
                )
            earlier = sources.get(source.slug)
            if earlier is not None and earlier.data.source.sha256 != source.sha256:
                self.report(
                    seed,
                    f"source {source.slug!r}",
                    f"{shown_file(earlier.path)} has another text under this slug: choose another",
                )
            sources[source.slug] = seed
            for slug, count in Counter(g.slug for g in seed.data.guidance).items():
                if not SLUG.match(slug):
                    self.report(seed, f"guidance {slug!r}", "the slug is not kebab-case")
                if count > 1:
                    self.report(seed, f"guidance {slug!r}", "defined more than once")

    def _statements(self, seed: Seed) -> None:
        condition = seed.condition
        objects_in: dict[str, set[str]] = defaultdict(set)  # resource -> concept slugs
        for statement in seed.data.statements:
            predicate = self.predicates.get(statement.predicate)
            if predicate is not None:
                objects_in[predicate.resource].add(statement.object)
        seen: set[str] = set()
        for statement in seed.data.statements:
            item = describe_statement(statement)
            identity = seed.statement_id(statement)
            if identity in seen:
                self.report(seed, item, "stated twice: merge the two statements into one")
            seen.add(identity)
            for slug in (statement.object, statement.subject, statement.cause_type):
                if slug is not None and slug not in self.defined:
                    self.report(seed, item, f"no seed defines the concept {slug!r}")
            if statement.certainty not in self.vocab.get(CERTAINTY, set()):
                known = ", ".join(sorted(self.vocab.get(CERTAINTY, set())))
                self.report(seed, item, f"certainty {statement.certainty!r} is not one of {known}")
            predicate = self.predicates.get(statement.predicate)
            if predicate is None:
                known = ", ".join(self.predicates)
                self.report(
                    seed,
                    item,
                    f"unknown predicate {statement.predicate!r} (known: {known}); add it to "
                    f"{VOCABULARY_FILE} if it is new",
                )
                continue
            if predicate.subject == CONDITION_SUBJECT:
                if statement.subject not in (None, condition):
                    self.report(
                        seed, item, f"the subject of {predicate.slug!r} is the condition itself"
                    )
            elif statement.subject not in objects_in[predicate.subject]:
                self.report(
                    seed,
                    item,
                    f"the subject of {predicate.slug!r} must be one of this condition's "
                    f"{predicate.subject}: add `subject` naming one",
                )
            if statement.cause_type is not None and statement.cause_type not in objects_in[CAUSES]:
                self.report(
                    seed,
                    item,
                    f"cause type {statement.cause_type!r} is not among this condition's causes: "
                    f"state it first (a statement whose predicate serves {CAUSES})",
                )

    def _usage(self) -> None:
        """Every concept is named by a statement, or is a condition; kinds fit their lists."""
        used: set[str] = set()
        lists_of: dict[str, set[str]] = defaultdict(set)
        for seed in self.seeds:
            used.add(seed.condition)
            for statement in seed.data.statements:
                used.update(
                    s for s in (statement.subject, statement.object, statement.cause_type) if s
                )
                predicate = self.predicates.get(statement.predicate)
                if predicate is not None:
                    lists_of[statement.object].add(predicate.resource)
        for slug, (seed, concept) in self.defined.items():
            item = f"concept {concept.slug!r}"
            if slug not in used:
                self.report(seed, item, "no statement names it: add one, or remove the concept")
            if concept.kind is None:
                continue
            vocabularies = {KIND_VOCABULARIES[r] for r in lists_of[slug] if r in KIND_VOCABULARIES}
            if not vocabularies:
                self.report(seed, item, "only concepts served in /tests or /treatments have a kind")
            for name in vocabularies:
                if concept.kind not in self.vocab.get(name, set()):
                    known = ", ".join(sorted(self.vocab.get(name, set())))
                    self.report(
                        seed,
                        item,
                        f"kind {concept.kind!r} is not a {name} (known: {known}); add it to "
                        f"{VOCABULARY_FILE} if it is new",
                    )

    def _likely_duplicates(self) -> None:
        """Two concepts with the same name, alias or exact code are probably one."""
        owners: dict[str, str] = {}
        for slug, (seed, concept) in self.defined.items():
            keys = [(name, f"the name or alias {name!r}") for name in _names(concept)]
            keys += [
                (f"{c.system} {c.code}", f"the exact code {c.system} {c.code}")
                for c in concept.codes
                if c.relation == "exact"
            ]
            for key, what in keys:
                folded = _fold(key)
                other = owners.setdefault(folded, slug)
                if other != slug:
                    where = shown_file(self.defined[other][0].path)
                    self.report(
                        seed,
                        f"concept {slug!r}",
                        f"has {what}, as concept {other!r} ({where}) does: "
                        f"reuse `{other}` instead, or tell them apart",
                    )


def _names(concept: ConceptSeed) -> list[str]:
    return list(dict.fromkeys([concept.name, *concept.also_called]))


def _fold(text: str) -> str:
    """Names compared as a person reads them: case, punctuation and spacing aside."""
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))
