"""Read a seed folder (knowledge.toml beside its source text) and check every fact in it.

Nothing is written anywhere: a migration writes only what `load_seed` returned, and
`load_seed` returns only knowledge whose every quote, offset, slug, reference and code checked
out (codes against the verified table beside the seed folders). Every problem found is
reported at once, each naming the file and the item.
"""

import hashlib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from app.knowledge.codes import CODE_TABLE, verified_codes
from app.knowledge.terms import CODE_SYSTEMS, ItemKind, TestKind, TreatmentKind

KNOWLEDGE_FILE = "knowledge.toml"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class SeedError(Exception):
    """A seed folder that cannot be loaded; the message lists every problem found."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{path}: refused, nothing loaded:\n{listed}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuoteSeed(_Strict):
    quote: str = Field(min_length=1)
    start: int
    end: int


class CodeSeed(_Strict):
    system: str
    code: str = Field(min_length=1)
    display: str = Field(min_length=1)


class ItemSeed(_Strict):
    slug: str
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    codes: list[CodeSeed] = []
    evidence: list[QuoteSeed] = Field(min_length=1)


class QualifiedSeed(ItemSeed):
    # The article's own hedge, such as "in certain cases"; None when it states it plainly.
    qualifier: str | None = None


class CauseTypeSeed(ItemSeed):
    mechanism: str = Field(min_length=1)


class RiskFactorSeed(ItemSeed):
    cause_types: list[str] = Field(min_length=1)


class TestSeed(ItemSeed):
    kind: TestKind


class TreatmentSeed(ItemSeed):
    kind: TreatmentKind
    aim: str = Field(min_length=1)
    indications: list[str] = []
    cautions: list[str] = []
    drugs: list[ItemSeed] = []


class PreventionSeed(ItemSeed):
    # Whom the measure is for; None when the article addresses everyone.
    audience: str | None = None


class SourceSeed(_Strict):
    slug: str
    title: str = Field(min_length=1)
    file: str
    sha256: str
    language: str


class KnowledgeSeed(_Strict):
    source: SourceSeed
    condition: ItemSeed
    guidance: list[ItemSeed] = []
    body_sites: list[ItemSeed] = []
    symptoms: list[QualifiedSeed] = []
    complications: list[QualifiedSeed] = []
    cause_types: list[CauseTypeSeed] = []
    risk_factors: list[RiskFactorSeed] = []
    tests: list[TestSeed] = []
    treatments: list[TreatmentSeed] = []
    prevention: list[PreventionSeed] = []


@dataclass(frozen=True)
class Knowledge:
    """A checked seed: its facts and the source text they quote."""

    seed: KnowledgeSeed
    text: str

    @property
    def condition_slug(self) -> str:
        return self.seed.condition.slug

    def items(self) -> Iterator[tuple[ItemKind, ItemSeed]]:
        """Every item with its kind, in the article's order within each kind."""
        s = self.seed
        yield ItemKind.CONDITION, s.condition
        yield from ((ItemKind.GUIDANCE, item) for item in s.guidance)
        yield from ((ItemKind.BODY_SITE, item) for item in s.body_sites)
        yield from ((ItemKind.SYMPTOM, item) for item in s.symptoms)
        yield from ((ItemKind.COMPLICATION, item) for item in s.complications)
        yield from ((ItemKind.CAUSE, item) for item in s.cause_types)
        yield from ((ItemKind.RISK_FACTOR, item) for item in s.risk_factors)
        yield from ((ItemKind.TEST, item) for item in s.tests)
        for treatment in s.treatments:
            yield ItemKind.TREATMENT, treatment
            yield from ((ItemKind.DRUG, drug) for drug in treatment.drugs)
        yield from ((ItemKind.PREVENTION, item) for item in s.prevention)


def load_seed(folder: Path) -> Knowledge:
    """Read and check the seed in `folder`; raise SeedError naming every problem."""
    path = folder / KNOWLEDGE_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(path, [f"cannot read: {exc}"]) from exc
    try:
        seed = KnowledgeSeed.model_validate(raw)
    except ValidationError as exc:
        raise SeedError(path, [_describe(error, raw) for error in exc.errors()]) from exc

    source_path = folder / seed.source.file
    try:
        data = source_path.read_bytes()
    except OSError as exc:
        raise SeedError(path, [f"source {seed.source.slug!r}: cannot read: {exc}"]) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != seed.source.sha256:
        raise SeedError(
            path,
            [
                f"source {seed.source.slug!r}: {source_path.name} has sha256 {digest}, "
                f"not the declared {seed.source.sha256}"
            ],
        )
    knowledge = Knowledge(seed=seed, text=data.decode("utf-8"))
    try:
        verified = verified_codes(folder.parent / CODE_TABLE)
    except OSError as exc:
        raise SeedError(path, [f"cannot read the verified code table: {exc}"]) from exc
    problems = _check(knowledge, verified)
    if problems:
        raise SeedError(path, problems)
    return knowledge


def _code_problems(where: str, item: ItemSeed, verified: dict[tuple[str, str], str]) -> list[str]:
    problems = []
    for code in item.codes:
        if code.system not in CODE_SYSTEMS:
            known = ", ".join(CODE_SYSTEMS)
            problems.append(f"{where}: unknown code system {code.system!r} (known: {known})")
        elif (code.system, code.code) not in verified:
            problems.append(
                f"{where}: {code.system} {code.code} is not in the verified {CODE_TABLE}"
            )
        elif verified[(code.system, code.code)] != code.display:
            problems.append(
                f"{where}: {code.system} {code.code} is {verified[(code.system, code.code)]!r}"
                f" in {CODE_TABLE}, not {code.display!r}"
            )
    return problems


def _check(knowledge: Knowledge, verified: dict[tuple[str, str], str]) -> list[str]:
    problems: list[str] = []
    text = knowledge.text
    seen: set[tuple[ItemKind, str]] = set()
    if not SLUG.match(knowledge.seed.source.slug):
        problems.append(f"source {knowledge.seed.source.slug!r}: slug is not kebab-case")
    for kind, item in knowledge.items():
        where = f"{kind} {item.slug!r}"
        if not SLUG.match(item.slug):
            problems.append(f"{where}: slug is not kebab-case")
        if (kind, item.slug) in seen:
            problems.append(f"{where}: duplicate slug")
        seen.add((kind, item.slug))
        for quote in item.evidence:
            if text[quote.start : quote.end] == quote.quote:
                continue
            found = text.find(quote.quote)
            if found < 0:
                problems.append(f"{where}: quote not found in the source text: {quote.quote!r}")
            else:
                problems.append(
                    f"{where}: quote is at {found}..{found + len(quote.quote)}, "
                    f"not at {quote.start}..{quote.end}: {quote.quote!r}"
                )
        problems.extend(_code_problems(where, item, verified))
    cause_types = {cause.slug for cause in knowledge.seed.cause_types}
    for risk_factor in knowledge.seed.risk_factors:
        problems.extend(
            f"{ItemKind.RISK_FACTOR} {risk_factor.slug!r}: unknown cause type {slug!r}"
            for slug in risk_factor.cause_types
            if slug not in cause_types
        )
    return problems


def _describe(error: ErrorDetails, raw: dict[str, Any]) -> str:
    """Say where a schema error is, naming the innermost item by its slug."""
    node: Any = raw
    slug = None
    for part in error["loc"]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("slug"), str):
            slug = node["slug"]
    where = ".".join(str(part) for part in error["loc"])
    item = f" (item {slug!r})" if slug else ""
    return f"{where}{item}: {error['msg']}"
