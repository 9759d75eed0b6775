"""The checks that need every seed at once: references, vocabularies, codes and clashes.

Each seed was read, and its quotes placed, on its own (reading.py); here they are checked
together, as the database will hold them: each reference resolves, each term is in its
vocabulary, each code is in the verified table with the relation it gives, and no concept is
defined twice (a concept with a condition page of its own is defined there) or looks like one
defined elsewhere.

Warnings (check_warnings) are what a curator should read but that may stand: a likely
near-duplicate (which the curator can accept), an alias that names a broader or narrower code,
a description hedged otherwise than its certainty. The loader never computes them, so they
block neither loading nor a migration; `check` prints them.
"""

import itertools
import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.knowledge.codes import CODE_SYSTEMS, CODE_TABLE, VerifiedCode
from app.knowledge.formats import (
    CodeSeed,
    ConceptSeed,
    ConditionSeed,
    GuidanceSeed,
    TermSeed,
    VocabularySeed,
)
from app.knowledge.ids import SLUG
from app.knowledge.lists import (
    CAUSES,
    CERTAINTY,
    CODE_RELATION,
    CONDITION_SUBJECT,
    KIND_VOCABULARIES,
)
from app.knowledge.problems import Problem, describe_statement, relative, shown_file
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
        """Each concept defined once: by its own condition page if it has one, else in the
        [[concepts]] of one seed."""
        pages: dict[str, Seed] = {}
        for seed in self.seeds:
            pages.setdefault(seed.condition, seed)
        knowledge = Knowledge(self.vocabulary, self.terms, self.seeds)
        # The condition pages first, so that an entry is told of the page whichever comes first.
        definitions = sorted(knowledge.concepts(), key=lambda found: _is_entry(*found))
        for seed, concept in definitions:
            item = f"concept {concept.slug!r}"
            if not SLUG.match(concept.slug):
                self.report(seed, item, "the slug is not kebab-case")
            page = pages.get(concept.slug)
            if page is not None and _is_entry(seed, concept):
                self._defined_on_its_page(seed, item, page)
                if concept.slug in self.defined:
                    continue
                # The page gives no name: the entry stands in, so that references resolve.
            elif concept.slug in self.defined:
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

    def _defined_on_its_page(self, seed: Seed, item: str, page: Seed) -> None:
        """Refuse a [[concepts]] entry for a concept that has its own condition page: the
        page's definition is the concept's, and a second description would contradict it."""
        where = "in this file's [condition]" if page is seed else f"in {shown_file(page.path)}"
        if page.defines_condition_concept():
            self.report(
                seed,
                item,
                f"already defined {where}, its own condition page, whose definition it serves: "
                "remove this definition and refer to the concept by its slug; what this "
                "article says of it belongs in its statements",
            )
        else:
            self.report(
                seed,
                item,
                f"has its own condition page {where}, whose definition it serves: give that "
                "page's [condition] this name, aliases and codes, and remove this definition; "
                "what this article says of it belongs in its statements",
            )

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


def _is_entry(seed: Seed, concept: ConceptSeed) -> bool:
    """Whether the concept is one of the seed's [[concepts]], not its condition's own page."""
    return any(concept is entry for entry in seed.data.concepts)


def _names(concept: ConceptSeed) -> list[str]:
    return list(dict.fromkeys([concept.name, *concept.also_called]))


def _fold(text: str) -> str:
    """Names compared as a person reads them: case, punctuation and spacing aside."""
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


# ---------------------------------------------------------------------------------------------
# Warnings: what a curator should read and correct, or accept, but that loads all the same. The
# loader never computes them; `check` prints them (check_warnings).

ACCEPTED_FILE = "accepted-warnings.toml"
STATED, POSSIBLE, SUSPECTED = "stated", "possible", "suspected"


def check_warnings(knowledge: Knowledge, seed_dir: Path) -> list[Problem]:
    """Every warning the checked seeds have, less the near-duplicates a curator accepted in
    seed_dir/accepted-warnings.toml (an acceptance that no longer matches is a warning too)."""
    found: list[Problem] = []
    accepted_file = seed_dir / ACCEPTED_FILE
    accepted = _read_accepted(accepted_file, found)
    concepts = list(knowledge.concepts())
    for seed, concept in concepts:
        found += _alias_is_a_code_display(seed, concept)
    matched: set[frozenset[str]] = set()
    for near in _near_duplicates(concepts):
        if near.pair in accepted:
            matched.add(near.pair)
        else:
            found.append(near.warning(relative(accepted_file, seed_dir.resolve().parent)))
    for pair in accepted.keys() - matched:
        found.append(
            _warning(
                accepted_file,
                "near-duplicate " + " and ".join(repr(slug) for slug in sorted(pair)),
                "check finds no such near-duplicate: remove this acceptance",
            )
        )
    for seed in knowledge.seeds:
        found += _hedges(seed)
    return sorted(found)


def _warning(path: Path, item: str, message: str) -> Problem:
    return Problem(path, item, message, severity="warning")


class _AcceptedPair(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    concepts: tuple[str, str]
    # Why the two are two concepts: the next curator reads it before merging them.
    reason: str = Field(min_length=1)


class _AcceptedWarnings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    near_duplicate: list[_AcceptedPair] = Field(default=[], alias="near-duplicate")


def _read_accepted(path: Path, found: list[Problem]) -> dict[frozenset[str], _AcceptedPair]:
    """The accepted near-duplicates, by their pair of slugs; none if there is no such file.
    A file that cannot be read silences nothing, and says so (a warning: it never blocks)."""
    if not path.is_file():
        return {}
    ignored = "its acceptances are ignored"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        accepted = _AcceptedWarnings.model_validate(raw)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        found.append(_warning(path, "file", f"cannot be read: {error}; {ignored}"))
        return {}
    except ValidationError as error:
        for e in error.errors():
            where = ".".join(str(part) for part in e["loc"])
            found.append(_warning(path, where, f"{e['msg']}; {ignored}"))
        return {}
    return {frozenset(entry.concepts): entry for entry in accepted.near_duplicate}


# How code tables write a name that the concept's alias would write plainly: ICD-10-CM adds a
# residual qualifier ("Chronic kidney disease, unspecified"), MeSH inverts ("Kidney Failure,
# Chronic").
_RESIDUAL = re.compile(r",\s*(?:unspecified|not elsewhere classified)\b.*$", re.IGNORECASE)


def _display_forms(code: CodeSeed) -> set[str]:
    forms = {_fold(code.display)}
    if code.system == "ICD-10-CM":
        forms.add(_fold(_RESIDUAL.sub("", code.display)))
    if code.system == "MeSH" and ", " in code.display:
        head, _, qualifier = code.display.partition(", ")
        forms.add(_fold(f"{qualifier} {head}"))
    return forms


def _alias_is_a_code_display(seed: Seed, concept: ConceptSeed) -> list[Problem]:
    """An alias means the same as its concept: one that is the name of a broader, narrower or
    related code says the concept is that code's, and the code's relation says it is not."""
    found = []
    for code in concept.codes:
        if code.relation == "exact":
            continue
        forms = _display_forms(code)
        for name in _names(concept):
            if _fold(name) not in forms:
                continue
            what = f"{code.system} {code.code}, a {code.relation} code"
            if name == concept.name:
                message = (
                    f"its name {name!r} is the display of {what}: a name means the same as the "
                    "concept; rename the concept, or correct the relation"
                )
            else:
                message = (
                    f"{name!r} is the display of {what}: an alias means the same as the "
                    "concept; drop the alias, or correct the relation"
                )
            found.append(_warning(seed.path, f"concept {concept.slug!r}", message))
    return found


# Near-duplicates: two names with the same head word ("failure") whose other words are one a
# subset of the other's ("kidney failure", "chronic kidney failure"): one names a kind of the
# other, or the same thing. Different heads ("Bones", "Bone disease") name different things.
_PREPOSITIONS = frozenset({"of", "for", "with", "in", "on", "to", "from", "by", "at"})
_FUNCTION_WORDS = _PREPOSITIONS | {"a", "an", "and", "the", "or"}
# Where a name's head noun phrase ends: "Blood tests for calcium levels" is about tests.
_HEAD_ENDS = _PREPOSITIONS | {"that", "which", "who", "when", "where"}


@dataclass(frozen=True)
class _Name:
    slug: str
    name: str
    words: frozenset[str]  # its words, in the singular, without function words


@dataclass(frozen=True)
class _NearDuplicate:
    seed: Seed
    mine: _Name
    theirs: _Name
    theirs_in: Path

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.mine.slug, self.theirs.slug))

    def warning(self, accepted_file: str) -> Problem:
        differ = self.mine.words ^ self.theirs.words
        longer = max(self.mine, self.theirs, key=lambda n: len(n.words))
        words = " and ".join(repr(w) for w in _tokens(longer.name) if _singular(w) in differ)
        if differ:
            how = f"differs from {self.theirs.name!r} only by {words}"
        else:
            how = f"has the words of {self.theirs.name!r}"
        return _warning(
            self.seed.path,
            f"concept {self.mine.slug!r}",
            f"may be concept {self.theirs.slug!r} ({shown_file(self.theirs_in)}): "
            f"{self.mine.name!r} {how}: reuse `{self.theirs.slug}` if they are one concept; if "
            f"they are two, tell them apart, or accept the pair in {accepted_file}",
        )


def _near_duplicates(concepts: list[tuple[Seed, ConceptSeed]]) -> list[_NearDuplicate]:
    """One near-duplicate per pair of concepts, told to the later one's seed."""
    by_head: dict[str, list[tuple[_Name, Path]]] = defaultdict(list)
    found: dict[frozenset[str], _NearDuplicate] = {}
    for seed, concept in concepts:
        for name in _names(concept):
            tokens = _tokens(name)
            head = _head(tokens)
            mine = _Name(
                concept.slug,
                name,
                frozenset(_singular(t) for t in tokens if t not in _FUNCTION_WORDS),
            )
            if head is None or not mine.words:
                continue
            for theirs, theirs_in in by_head[head]:
                pair = frozenset((mine.slug, theirs.slug))
                if len(pair) == 1 or pair in found or _fold(name) == _fold(theirs.name):
                    continue  # the same concept, told already, or refused as a clash
                if mine.words <= theirs.words or theirs.words <= mine.words:
                    found[pair] = _NearDuplicate(seed, mine, theirs, theirs_in)
            by_head[head].append((mine, seed.path))
    return list(found.values())


def _tokens(name: str) -> list[str]:
    # A parenthesis names the same thing another way ("Tissue death (gangrene)").
    return re.findall(r"[^\W_]+", re.sub(r"\([^)]*\)", " ", name).casefold())


def _head(tokens: list[str]) -> str | None:
    """The name's head word: the last of its first noun phrase, in the singular."""
    phrase = list(itertools.takewhile(lambda t: t not in _HEAD_ENDS, tokens))
    return _singular(phrase[-1]) if phrase else None


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# Hedges, as the certainty vocabulary describes them: `possible` says it can or may happen,
# `suspected` reports it as alleged, thought or not established, `stated` says it plainly.
_POSSIBLY = re.compile(
    r"\b(?:can|may|might|could|sometimes|possibly|perhaps|occasionally"
    r"|in (?:some|certain|rare) (?:cases|conditions))\b",
    re.IGNORECASE,
)
_SUSPECTEDLY = re.compile(
    r"\b(?:suspect(?:s|ed)?|thought to|believed to|allegations?|alleged(?:ly)?"
    r"|not (?:been |yet )?(?:shown|established|proven|proved)|unproven)\b",
    re.IGNORECASE,
)
# A stated claim may go on to explain itself (after a colon or semicolon, in a "which" or
# "though" clause) in the article's own hedged words; the claim itself comes before.
_CLAIM_ENDS = re.compile(r"[:;]|,\s*(?:which|though|although|as|because|since|so that)\b")


def _hedge(text: str) -> str | None:
    found = _SUSPECTEDLY.search(text) or _POSSIBLY.search(text)
    return found[0] if found else None


def _certainty_mismatch(certainty: str, description: str) -> str | None:
    """What is wrong with a description's hedge for its certainty, if anything."""
    if certainty == STATED:
        claim = _CLAIM_ENDS.split(re.sub(r"\([^)]*\)", "", description), maxsplit=1)[0]
        hedge = _hedge(claim)
        if hedge is not None:
            return (
                f"its certainty is 'stated', but the description hedges it ({hedge!r}): say it "
                "plainly, as the article does, or give it the certainty of the article's hedge"
            )
    elif certainty == POSSIBLE and not _POSSIBLY.search(description):
        return (
            "its certainty is 'possible', but the description says it plainly: hedge it as the "
            "article does ('can', 'may', 'in some cases'), or make the certainty 'stated'"
        )
    elif certainty == SUSPECTED and not (
        _SUSPECTEDLY.search(description) or re.search(r"\b(?:may|might|possibly)\b", description)
    ):
        return (
            "its certainty is 'suspected', but the description does not say it is only "
            "suspected: say so as the article does ('is thought to', 'there are allegations', "
            "'has not been shown'), or correct the certainty"
        )
    return None


def _hedges(seed: Seed) -> list[Problem]:
    """Descriptions hedged more or less than their certainty, or, where they have none (a
    condition's definition, a guidance section), hedged where the article's quotes are not."""
    found = []
    for statement in seed.data.statements:
        mismatch = _certainty_mismatch(statement.certainty, statement.description)
        if mismatch is not None:
            found.append(_warning(seed.path, describe_statement(statement), mismatch))
    condition = seed.data.condition
    described: list[tuple[str, str, str | None, ConditionSeed | GuidanceSeed]] = [
        (f"condition {condition.slug!r}", seed.definition_claim(), None, condition)
    ]
    described += [
        # The guidance certainty is optional (and newer than this check): None without it.
        (f"guidance {g.slug!r}", seed.guidance_claim(g.slug), getattr(g, "certainty", None), g)
        for g in seed.data.guidance
    ]
    for item, claim, certainty, section in described:
        if isinstance(certainty, str):
            mismatch = _certainty_mismatch(certainty, section.description)
            if mismatch is not None:
                found.append(_warning(seed.path, item, mismatch))
            continue
        hedge = _hedge(section.description)
        if hedge is not None and not any(_hedge(q.quote) for q in seed.evidence.get(claim, [])):
            found.append(
                _warning(
                    seed.path,
                    item,
                    f"the description hedges ({hedge!r}) where the article's words for it, its "
                    "quotes, do not: say it as the article does",
                )
            )
    return found
