"""Knowledge by the codes clinical systems hold: what /lookup and /infobutton answer.

A code leads to the items whose curated codes (seed/codes.md, in each snapshot's `code_lookup`
table, app/served.py) it matches, each saying how the item relates to the code sent:

- `exact`: the item is what the code names;
- `broader`: the item is a broader category that includes what the code names;
- `narrower`: the item is more specific than what the code names;
- `related`: the item is related to it (curated so, or another code of the same ICD-10-CM
  category or subcategory: `via` names the code both sit under).

The relation combines the curated one (how the item's code relates to the item) with how the
item's code relates to the code sent: the same code, or for ICD-10-CM, an ancestor, a
descendant or a cousin in the code system's real hierarchy (the April 2026 release, from the
pinned package simple-icd-10-cm). Items come best first: exact, then broader or narrower, then
related; nearer in the hierarchy first; then in document order. For the other systems (MeSH,
ATC, RxNorm, LOINC) no hierarchy ships with the API, so only their curated codes match.

The ICD-10-CM package is loaded once per process, on the first ICD-10-CM lookup, in the worker
thread that answers it, under a lock: it takes some 4 s and 180 MB, which would more than double
a worker's start (about 1.5 s) and memory (about 90 MB) if every worker paid it at startup
whether or not a client ever sends an ICD-10-CM code.
"""

import importlib
import threading
import warnings
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from sqlalchemy import Connection

from app import served
from app.errors import InvalidParameter
from app.knowledge.codes import CODE_SYSTEMS
from app.schemas import Code, Page, Schema

# The relations, best first: what a match is worth.
EXACT, BROADER, NARROWER, RELATED = "exact", "broader", "narrower", "related"
GROUP = {EXACT: 0, BROADER: 1, NARROWER: 1, RELATED: 2}
# A relation seen from the other side (SKOS: broader and narrower are inverses).
INVERSE = {EXACT: EXACT, BROADER: NARROWER, NARROWER: BROADER, RELATED: RELATED}


@dataclass(frozen=True)
class CodeSystem:
    """A code system the API serves codes of, by each name a client may give it."""

    label: str  # as the seeds and codes.md name it: "ICD-10-CM"
    uri: str  # FHIR
    oid: str  # HL7's OID, what Infobutton requests send
    short: str  # "icd-10-cm"


# HL7's OIDs for the code systems (HL7 Terminology, THO: NamingSystem and CodeSystem resources).
OIDS = {
    "ICD-10-CM": "2.16.840.1.113883.6.90",
    "MeSH": "2.16.840.1.113883.6.177",
    "ATC": "2.16.840.1.113883.6.73",
    "RxNorm": "2.16.840.1.113883.6.88",
    "LOINC": "2.16.840.1.113883.6.1",
}
SYSTEMS = tuple(
    CodeSystem(label, uri, OIDS[label], label.lower()) for label, uri in CODE_SYSTEMS.items()
)
ICD_10_CM = next(system for system in SYSTEMS if system.uri == served.ICD_10_CM)
_BY_NAME = {
    name: system
    for system in SYSTEMS
    for name in (system.uri, system.oid, f"urn:oid:{system.oid}", system.short)
}


# Every name a code system is taken by, as the OpenAPI document lists them (the routes also take
# a short name in any case, and an OID as a `urn:oid:` URI).
SYSTEM_NAMES = [name for s in SYSTEMS for name in (s.uri, s.oid, s.short)]


def code_system(value: str, parameter: str) -> CodeSystem:
    """The code system a client names by its FHIR URI, its OID or its short name; a 422
    listing the accepted names otherwise."""
    found = _BY_NAME.get(value.strip()) or _BY_NAME.get(value.strip().lower())
    if found is None:
        accepted = "; ".join(f"{s.uri}, {s.oid} or {s.short}" for s in SYSTEMS)
        raise InvalidParameter(parameter, f"unknown code system {value!r}; one of: {accepted}")
    return found


# ICD-10-CM's hierarchy, from the package, loaded once per process.

# Importing the package, Python 3.11 warns that the importlib.resources functions it reads its
# data with (`read_text`, which calls `open_text`) are deprecated: not ours to act on. These
# filters ignore those warnings only, as the package's modules (and importlib's, for the
# `open_text` that the package's `read_text` calls) raise them; they are installed once, as this
# module is imported, at startup. The import itself runs in a worker thread, so it must not wrap
# itself in `warnings.catch_warnings()`: that saves and restores the process-wide filter list, and
# would undo or leak another thread's filters meanwhile. (pyproject.toml's pytest filters, which
# replace the list during each test, carry the same two.)
DEPRECATED_RESOURCES = r"(read_text|open_text) is deprecated"
warnings.filterwarnings(
    "ignore", DEPRECATED_RESOURCES, DeprecationWarning, module=r"simple_icd_10_cm(\.|\Z)"
)
warnings.filterwarnings(
    "ignore",
    "open_text is deprecated",
    DeprecationWarning,
    module=r"importlib\.resources\._legacy\Z",
)

_LOADING = threading.Lock()
_PACKAGE: Any = None


def icd10cm() -> Any:
    """The simple_icd_10_cm module, imported on first use (some 4 s), once: a thread that asks
    meanwhile waits for it."""
    global _PACKAGE
    if _PACKAGE is not None:
        return _PACKAGE
    with _LOADING:
        if _PACKAGE is None:
            _PACKAGE = importlib.import_module("simple_icd_10_cm")
        return _PACKAGE


def icd10cm_release() -> str:
    """The ICD-10-CM release the package holds, as its data file names it: "April 2026"."""
    icd10cm()
    module = importlib.import_module("simple_icd_10_cm.simple_icd_10_cm")
    name = str(getattr(module, "_all_codes_package_file_name", ""))
    words = name.removeprefix("code-list-").removesuffix(".txt").split("-")
    return " ".join(words) if len(words) == 2 else "the package's release"


def icd10cm_code(key: str) -> str | None:
    """The ICD-10-CM code (dotted, as the release writes it) of a `lookup_key`, if it is a
    category or a code of the release (not a chapter or a block), else None."""
    package = icd10cm()
    dotted = key if len(key) <= 3 else f"{key[:3]}.{key[3:]}"
    if not package.is_valid_item(dotted) or not package.is_category_or_subcategory(dotted):
        return None
    return dotted


def icd10cm_display(code: str) -> str:
    return str(icd10cm().get_description(code))


def icd10cm_ancestors(code: str) -> list[str]:
    """A code's categories and subcategories, nearest first (not its block or chapter)."""
    package = icd10cm()
    return [a for a in package.get_ancestors(code) if package.is_category_or_subcategory(a)]


# Matching.


@dataclass(frozen=True)
class Fit:
    """How a curated code stands to the code sent, in the code system's hierarchy."""

    relation: str  # of the curated code to the code sent
    distance: int  # steps in the hierarchy between them
    via: str | None = None  # the nearest code both sit under, for cousins


def icd10cm_fit(curated: str, sent: str, sent_above: list[str]) -> Fit | None:
    """How the curated ICD-10-CM code stands to the one sent (`sent_above`: its ancestors)."""
    if curated == sent:
        return Fit(EXACT, 0)
    if curated in sent_above:
        return Fit(BROADER, sent_above.index(curated) + 1)
    curated_above = icd10cm_ancestors(curated)
    if sent in curated_above:
        return Fit(NARROWER, curated_above.index(sent) + 1)
    common = next((code for code in sent_above if code in curated_above), None)
    if common is None:
        return None
    distance = sent_above.index(common) + curated_above.index(common) + 2
    return Fit(RELATED, distance, via=common)


def combined(curated: str, fit: str) -> str:
    """How an item relates to the code sent: how the item relates to its code (the inverse of
    `curated`, how the code relates to the item), then how its code relates to the code sent
    (`fit`)."""
    item_to_code = INVERSE[curated]
    if item_to_code == EXACT:
        return fit
    if fit == EXACT:
        return item_to_code
    # Both steps broader (or both narrower) keep that direction; anything else only relates.
    if item_to_code == fit and fit in (BROADER, NARROWER):
        return fit
    return RELATED


class Via(Schema):
    """The ICD-10-CM category or subcategory that the code sent and the item's code share."""

    code: str
    display: str


class LookupHit(Schema):
    """An item a code leads to: where to read it, and how it relates to the code."""

    kind: str = Field(description="`condition`, or the list the item is served in.")
    slug: str
    name: str
    description: str
    path: str
    relation: str = Field(
        description="How the item relates to the code sent: `exact` (what the code names), "
        "`broader` (a broader category that includes it), `narrower` (more specific than it) or "
        "`related` (related to it, e.g. another code of the same ICD-10-CM category)."
    )
    code: Code = Field(
        description="The item's curated code that matched, with its curated relation to the "
        "item (how the code's concept relates to the item's)."
    )
    via: Via | None = Field(
        default=None,
        description="For an ICD-10-CM code reached through the hierarchy as a cousin: the "
        "category or subcategory both codes sit under.",
    )


class LookupPage(Page[LookupHit]):
    """The items a code leads to, best first."""

    system: str = Field(description="The code system, as its FHIR URI.")
    code: str = Field(description="The code sent, as the code system writes it.")
    display: str | None = Field(
        description="The code's name in its code system, where the API can read it "
        "(ICD-10-CM, from the April 2026 release); null otherwise."
    )


@dataclass(frozen=True)
class Lookup:
    """What a code leads to, best first, whole: a page is a window of it."""

    system: CodeSystem
    code: str
    display: str | None
    hits: list[LookupHit]

    def page(self, limit: int, offset: int) -> LookupPage:
        return LookupPage(
            items=self.hits[offset : offset + limit],
            total=len(self.hits),
            limit=limit,
            offset=offset,
            system=self.system.uri,
            code=self.code,
            display=self.display,
        )


class UnknownCode(InvalidParameter):
    """A code that its code system does not have (ICD-10-CM, whose release the API holds)."""


def lookup(connection: Connection, system: CodeSystem, code: str, parameter: str) -> Lookup:
    """Every item `code` of `system` leads to, best first; a 422 (UnknownCode, naming
    `parameter`) for an ICD-10-CM code that the release does not have."""
    key = served.lookup_key(system.uri, code)
    if system is not ICD_10_CM:
        rows = served.coded(connection, system.uri, key)
        fits = [(row, Fit(EXACT, 0)) for row in rows]
        return ranked(system, code.strip(), None, fits, {})
    sent = icd10cm_code(key)
    if sent is None:
        raise UnknownCode(
            parameter,
            f"{code.strip()!r} is not a code of ICD-10-CM (release of {icd10cm_release()})",
        )
    above = icd10cm_ancestors(sent)
    found: list[tuple[Any, Fit]] = []
    for row in served.coded_under(connection, system.uri, key[:3]):
        curated = icd10cm_code(row.code)
        fit = None if curated is None else icd10cm_fit(curated, sent, above)
        if fit is not None:
            found.append((row, fit))
    vias = {fit.via: icd10cm_display(fit.via) for _row, fit in found if fit.via}
    return ranked(system, sent, icd10cm_display(sent), found, vias)


def ranked(
    system: CodeSystem,
    code: str,
    display: str | None,
    found: list[tuple[Any, Fit]],
    vias: dict[str, str],
) -> Lookup:
    best: dict[str, tuple[tuple[int, int, int], LookupHit]] = {}
    for row, fit in found:
        relation = combined(row.relation, fit.relation)
        order = (GROUP[relation], fit.distance, row.rank)
        if row.slug in best and best[row.slug][0] <= order:
            continue  # an item comes once, by its best match
        best[row.slug] = (
            order,
            LookupHit(
                kind=row.kind,
                slug=row.slug,
                name=row.name,
                description=row.description,
                path=path_of(row.kind, row.slug),
                relation=relation,
                code=Code(
                    system=row.system, code=row.shown, display=row.display, relation=row.relation
                ),
                via=Via(code=fit.via, display=vias[fit.via]) if fit.via else None,
            ),
        )
    hits = [hit for _order, hit in sorted(best.values(), key=lambda pair: pair[0])]
    return Lookup(system, code, display, hits)


def path_of(kind: str, slug: str) -> str:
    return f"/conditions/{slug}" if kind == served.CONDITION_KIND else f"/{kind}/{slug}"
