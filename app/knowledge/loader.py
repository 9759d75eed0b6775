"""Read every seed folder and the vocabulary, and check every fact against the sources.

Nothing is written anywhere. The seeds are checked together, as the database will hold them:
each quote is found in its source (its offsets come from there), each reference resolves, each
term is in its vocabulary, each code is in the verified table with the relation it gives, and
no concept is defined twice or looks like one defined elsewhere. Every problem is reported at
once, each naming the file, the item and what to do about it.
"""

import hashlib
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from app.knowledge.codes import CODE_SYSTEMS, CODE_TABLE, VerifiedCode, read_code_table
from app.knowledge.formats import (
    CodeSeed,
    ConceptSeed,
    EvidenceSeed,
    KnowledgeSeed,
    PredicateSeed,
    QuoteSeed,
    StatementSeed,
    TermSeed,
    VocabularySeed,
)
from app.knowledge.lists import (
    BODY_SITES,
    CAUSES,
    CERTAINTY,
    CODE_RELATION,
    CONCEPT_LISTS,
    CONDITION_SUBJECT,
    KIND_VOCABULARIES,
)
from app.knowledge.quotes import Located, locate

KNOWLEDGE_FILE = "knowledge.toml"
VOCABULARY_FILE = "vocabulary.toml"
PREDICATE = "predicate"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TERMS = TypeAdapter(list[TermSeed])


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a curated file: where, which item, and what to do."""

    file: Path
    item: str
    message: str

    def shown(self, root: Path) -> str:
        """The problem, its file named as from `root` (the folder that holds the seeds)."""
        return f"{_relative(self.file, root)}: {self.item}: {self.message}"


class SeedError(Exception):
    """Seeds that cannot be loaded; the message lists every problem found."""

    def __init__(self, problems: list[Problem], root: Path) -> None:
        self.problems = sorted(set(problems))
        self.root = root
        listed = "\n".join(f"  - {problem.shown(root)}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(
            f"{count} problem{'s' * (count != 1)} in the seeds, nothing loaded:\n{listed}"
        )


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
                    ),
                )
            for concept in seed.data.concepts:
                yield seed, concept


def statement_id(condition: str, statement: StatementSeed) -> str:
    """condition/[subject/]predicate/object[/cause type]: stable as long as the claim is."""
    parts = [condition]
    if statement.subject is not None:
        parts.append(statement.subject)
    parts += [statement.predicate, statement.object]
    if statement.cause_type is not None:
        parts.append(statement.cause_type)
    return "/".join(parts)


# The other claims evidence backs: a condition's definition, and its guidance sections.
def definition_claim(condition: str) -> str:
    return f"{condition}/definition"


def guidance_claim(condition: str, slug: str) -> str:
    return f"{condition}/guidance/{slug}"


def load_knowledge(seed_dir: Path) -> Knowledge:
    """Read and check every seed in `seed_dir`; raise SeedError naming every problem."""
    problems: list[Problem] = []
    vocabulary, terms = _read_vocabulary(seed_dir / VOCABULARY_FILE, problems)
    codes_path = seed_dir / CODE_TABLE
    try:
        codes = read_code_table(codes_path)
    except OSError as error:
        problems.append(Problem(codes_path, "code table", f"cannot be read: {error}"))
        codes = {}
    seeds = [
        seed
        for path in active_seed_files(seed_dir, problems)
        if (seed := _read_seed(path, problems)) is not None
    ]
    if vocabulary is not None:
        problems += _Checker(vocabulary, terms, codes, seeds).problems()
    if problems or vocabulary is None:
        raise SeedError(problems, seed_dir.resolve().parent)
    return Knowledge(vocabulary=vocabulary, terms=terms, seeds=seeds)


def active_seed_files(seed_dir: Path, problems: list[Problem]) -> list[Path]:
    """The knowledge file of every seed folder that no other seed supersedes."""
    files = sorted(seed_dir.glob(f"*/{KNOWLEDGE_FILE}"))
    superseded: dict[str, Path] = {}
    for path in files:
        try:
            target = tomllib.loads(path.read_text(encoding="utf-8")).get("supersedes")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # reported when the seed is read
        if target is None:
            continue
        if not (seed_dir / str(target) / KNOWLEDGE_FILE).is_file():
            problems.append(
                Problem(path, "supersedes", f"there is no seed folder {target!r} to supersede")
            )
        elif str(target) in superseded:
            other = _shown(superseded[str(target)])
            problems.append(
                Problem(path, "supersedes", f"{target!r} is already superseded by {other}")
            )
        superseded[str(target)] = path
    return [path for path in files if path.parent.name not in superseded]


def _read_vocabulary(
    path: Path, problems: list[Problem]
) -> tuple[VocabularySeed | None, dict[str, list[TermSeed]]]:
    raw = _read_toml(path, problems)
    if raw is None:
        return None, {}
    try:
        vocabulary = VocabularySeed.model_validate(raw)
    except ValidationError as error:
        problems += [_schema_problem(path, e, raw) for e in error.errors()]
        return None, {}
    terms: dict[str, list[TermSeed]] = {}
    for name, listed in (vocabulary.model_extra or {}).items():
        try:
            terms[name] = _TERMS.validate_python(listed)
        except ValidationError as error:
            problems += [_schema_problem(path, e, raw, prefix=(name,)) for e in error.errors()]
    for name in (CERTAINTY, CODE_RELATION, *KIND_VOCABULARIES.values()):
        if name not in terms:
            problems.append(Problem(path, name, "this vocabulary is missing: add its terms"))
    named = [(PREDICATE, t.slug) for t in vocabulary.predicate]
    named += [(name, t.slug) for name, listed in terms.items() for t in listed]
    for (name, slug), count in Counter(named).items():
        if not SLUG.match(slug):
            problems.append(Problem(path, f"{name} {slug!r}", "the slug is not kebab-case"))
        if count > 1:
            problems.append(Problem(path, f"{name} {slug!r}", "defined more than once"))
    for predicate in vocabulary.predicate:
        problems += _predicate_problems(path, predicate)
    return vocabulary, terms


def _predicate_problems(path: Path, predicate: PredicateSeed) -> list[Problem]:
    problems = []
    item = f"predicate {predicate.slug!r}"
    lists = (*CONCEPT_LISTS, BODY_SITES)
    if predicate.resource not in lists:
        known = ", ".join(lists)
        problems.append(
            Problem(path, item, f"resource {predicate.resource!r} is not one of {known}")
        )
    if predicate.subject != CONDITION_SUBJECT and predicate.subject not in CONCEPT_LISTS:
        known = ", ".join((CONDITION_SUBJECT, *CONCEPT_LISTS))
        problems.append(Problem(path, item, f"subject {predicate.subject!r} is not one of {known}"))
    return problems


def _read_toml(path: Path, problems: list[Problem]) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        problems.append(Problem(path, "file", f"cannot be read: {error}"))
        return None


def _read_seed(path: Path, problems: list[Problem]) -> Seed | None:
    """The seed with its source text and every quote placed; None if it cannot be."""
    raw = _read_toml(path, problems)
    if raw is None:
        return None
    try:
        data = KnowledgeSeed.model_validate(raw)
    except ValidationError as error:
        problems += [_schema_problem(path, e, raw) for e in error.errors()]
        return None
    source = data.source
    source_path = path.parent / source.file
    item = f"source {source.slug!r}"
    try:
        raw_text = source_path.read_bytes()
    except OSError as error:
        problems.append(Problem(path, item, f"cannot read {source.file}: {error}"))
        return None
    digest = hashlib.sha256(raw_text).hexdigest()
    if digest != source.sha256:
        problems.append(
            Problem(
                path,
                item,
                f"{source.file} has sha256 {digest}, not the declared {source.sha256}: "
                "the source must be the article byte for byte",
            )
        )
        return None
    try:
        text = raw_text.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(path, item, f"{source.file} is not UTF-8 text"))
        return None

    seed = Seed(path.parent.name, path, data, text, {})
    claims: list[tuple[str, str, EvidenceSeed]] = [
        (f"condition {data.condition.slug!r}", seed.definition_claim(), data.condition.evidence),
        *((f"guidance {g.slug!r}", seed.guidance_claim(g.slug), g.evidence) for g in data.guidance),
        *((describe_statement(s), seed.statement_id(s), s.evidence) for s in data.statements),
    ]
    for item, claim, evidence in claims:
        quotes = []
        for entry in evidence:
            quote, occurrence = (
                (entry.quote, entry.occurrence) if isinstance(entry, QuoteSeed) else (entry, None)
            )
            placed = locate(text, quote, occurrence)
            if isinstance(placed, Located):
                quotes.append(Quote(quote, placed.start, placed.end))
            else:
                problems.append(Problem(path, item, f"quote {_short(quote)!r} {placed}"))
        seed.evidence.setdefault(claim, []).extend(quotes)
    return seed


def describe_statement(statement: StatementSeed) -> str:
    """How a problem names a statement: its predicate, object and what tells it apart."""
    words = [f"statement {statement.predicate} {statement.object!r}"]
    if statement.subject is not None:
        words.append(f"of {statement.subject!r}")
    if statement.cause_type is not None:
        words.append(f"under {statement.cause_type!r}")
    return " ".join(words)


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
                where = "earlier in this file" if other is seed else f"in {_shown(other.path)}"
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
                other = _shown(conditions[condition.slug].path)
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
                    f"{_shown(earlier.path)} has another text under this slug: choose another",
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
                    where = _shown(self.defined[other][0].path)
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


def _short(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 3] + "..."


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def _shown(path: Path) -> str:
    """Another seed's file, in a message: from the folder that holds the seed folders."""
    return _relative(path, path.resolve().parent.parent.parent)


def _schema_problem(
    path: Path, error: ErrorDetails, raw: dict[str, Any], prefix: tuple[str, ...] = ()
) -> Problem:
    """Say where a schema error is, naming the innermost item by its slug or object."""
    loc = (*prefix, *error["loc"])
    node: Any = raw
    name = None
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict):
            for key in ("slug", "object"):
                if isinstance(node.get(key), str):
                    name = f"{key} {node[key]!r}"
                    break
    where = ".".join(str(part) for part in loc)
    return Problem(path, where + (f" ({name})" if name else ""), error["msg"])
