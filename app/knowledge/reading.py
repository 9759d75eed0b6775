"""Reading the curated files, one at a time, and what each file alone can be checked for.

A seed's knowledge file is read into its models (formats.py), its source checked against the
declared sha256, and each quote found in that source; the vocabulary is read with its terms.
What needs every seed at once is checked in checks.py.
"""

import hashlib
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from app.knowledge.formats import (
    EvidenceSeed,
    KnowledgeSeed,
    PredicateSeed,
    QuoteSeed,
    TermSeed,
    VocabularySeed,
)
from app.knowledge.ids import SLUG
from app.knowledge.lists import (
    BODY_SITES,
    CERTAINTY,
    CODE_RELATION,
    CONCEPT_LISTS,
    CONDITION_SUBJECT,
    KIND_VOCABULARIES,
)
from app.knowledge.problems import Problem, describe_statement, shorten, shown_file
from app.knowledge.quotes import Located, locate
from app.knowledge.seeds import Quote, Seed

KNOWLEDGE_FILE = "knowledge.toml"
VOCABULARY_FILE = "vocabulary.toml"
PREDICATE = "predicate"
_TERMS = TypeAdapter(list[TermSeed])


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
            other = shown_file(superseded[str(target)])
            problems.append(
                Problem(path, "supersedes", f"{target!r} is already superseded by {other}")
            )
        superseded[str(target)] = path
    return [path for path in files if path.parent.name not in superseded]


def read_vocabulary(
    path: Path, problems: list[Problem]
) -> tuple[VocabularySeed | None, dict[str, list[TermSeed]]]:
    """The predicates and every other vocabulary's terms; None if the file cannot be read."""
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


def read_seed(path: Path, problems: list[Problem]) -> Seed | None:
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
                problems.append(Problem(path, item, f"quote {shorten(quote)!r} {placed}"))
        seed.evidence.setdefault(claim, []).extend(quotes)
    return seed


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
