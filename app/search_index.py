"""The search documents: derived from the knowledge tables, in every knowledge snapshot.

One document per concept with a URL (a condition, or an object of a statement whose predicate
serves a list), holding what /search looks in: its name, its aliases, its description, the words
naming the lists it is served in (its kinds), the details of the statements that name it (their
descriptions, qualifiers, indications, audiences) and their quotes. They are derived data, never
curated: each snapshot (app/snapshot.py) builds them from the knowledge tables it copied, in the
same file, so they always follow the knowledge and the code that indexes it.

Words are stemmed here, in Python, with one pinned Snowball stemmer, so that every backend's
full-text index holds the same stems and finds the same documents: each document keeps the
distinct stems of each weight class of its text (`name_terms`, ...), and the vocabulary table
(`search_word`) maps every word the documents hold to its stem and the number of documents
holding that stem, for the typo correction, prefix expansion and word weights of app/search/.
"""

import re
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from itertools import islice
from typing import Any

import snowballstemmer  # type: ignore[import-untyped]
from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    select,
)

from app.db import insert_rows
from app.knowledge.ids import definition_claim, guidance_claim
from app.knowledge.lists import (
    AGGRAVATING_FACTORS,
    CAUSES,
    COMPLICATIONS,
    CONCEPT_LISTS,
    DRUGS,
    GUIDANCE_ASPECT,
    KIND_VOCABULARIES,
    POPULATIONS,
    PREVENTION,
    RISK_FACTORS,
    SYMPTOMS,
    TESTS,
    TREATMENTS,
)
from app.models import (
    Concept,
    Condition,
    Evidence,
    Guidance,
    Predicate,
    Statement,
    VocabularyTerm,
    table,
)

CONDITION_KIND = "condition"
# Kinds a search hit can have, in the order a concept listed in several takes the first of.
KINDS = (CONDITION_KIND, *CONCEPT_LISTS)

# Everyday words for each kind, beside the kind's own name and the labels of its kind vocabulary
# (a test's "blood test", a treatment's "laser therapy"): a query that uses one ("signs of ...",
# "medicine for ...", "how to prevent ...") favours the items of that kind.
KIND_WORDS = {
    CONDITION_KIND: "condition",
    CAUSES: "cause, type",
    RISK_FACTORS: "risk",
    SYMPTOMS: "symptom, sign",
    COMPLICATIONS: "complication",
    TESTS: "test, diagnosis, diagnose",
    TREATMENTS: "treatment, treat, therapy, cure",
    DRUGS: "drug, medicine, medication",
    PREVENTION: "prevent, avoid",
    # "What makes it worse?", "what aggravates it", "triggers".
    AGGRAVATING_FACTORS: "worse, worsen, aggravate, trigger",
    # "Who gets it?", "who is likely to have it", "more common in older people".
    POPULATIONS: "people, gets, likely, common, population, group",
}

# The columns of a document that /search reads, and the class of stems each is indexed under:
# names and aliases weigh alike, then descriptions, kinds, details and quotes.
FIELDS = {
    "name": "name_terms",
    "aliases": "name_terms",
    "description": "description_terms",
    "kinds": "kind_terms",
    "details": "detail_terms",
    "quotes": "quote_terms",
}
TERM_COLUMNS = tuple(dict.fromkeys(FIELDS.values()))

# The search tables live in each knowledge snapshot (app/snapshot.py), never in the database.
SEARCH_METADATA = MetaData()
# One row per concept with a URL: the text /search looks in.
SEARCH_DOCUMENT = Table(
    "search_document",
    SEARCH_METADATA,
    Column("id", Integer, primary_key=True),
    # Its first role: `condition`, or the first list it is served in.
    Column("kind", String, nullable=False),
    # Every role it has, each between spaces (" condition risk-factors "): a search for one
    # kind finds it in each.
    Column("roles", String, nullable=False),
    Column("slug", String, nullable=False, index=True),
    Column("name", String, nullable=False),
    Column("aliases", String, nullable=False),
    Column("description", String, nullable=False),
    # Words naming the lists it is served in, and its kind ("symptoms: symptom, sign").
    Column("kinds", String, nullable=False, default=""),
    # Text that is searched but not the item's own: its statements, qualifiers, indications.
    Column("details", String, nullable=False),
    Column("quotes", String, nullable=False),
    # The distinct stems of each weight class, each between spaces: what the full-text index
    # holds, and what ranking checks a stem against.
    *(Column(name, String, nullable=False, default="") for name in TERM_COLUMNS),
)
# Which conditions a search document belongs to, for `?condition=`.
SEARCH_CONDITION = Table(
    "search_condition",
    SEARCH_METADATA,
    Column("document_id", ForeignKey("search_document.id"), primary_key=True),
    Column("condition_slug", String, primary_key=True, index=True),
)
# A word the search documents hold, its stem, and how many documents hold that stem.
SEARCH_WORD = Table(
    "search_word",
    SEARCH_METADATA,
    Column("word", String, primary_key=True),
    Column("stem", String, nullable=False),
    Column("documents", Integer, nullable=False),
)

# Documents written at a time.
BATCH = 2000
# Letters and digits: the words both indexes hold (an underscore separates words there too).
WORD = re.compile(r"[^\W_]+")
# Snowball's English stemmer, pinned in pyproject.toml: another version may stem differently,
# and the stems in the index are only rebuilt when a migration runs. A stemmer keeps the word
# it works on in itself, so each thread has its own.
STEMMERS = threading.local()


def words_of(text: str) -> list[str]:
    """The words of a text, lower-cased, in order."""
    return WORD.findall(text.lower())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A word's stem (the word lower-cased)."""
    stemmer = getattr(STEMMERS, "english", None)
    if stemmer is None:
        stemmer = STEMMERS.english = snowballstemmer.stemmer("english")
    stemmed: str = stemmer.stemWord(word)
    return stemmed


def terms_text(stems: Iterable[str]) -> str:
    """Distinct stems as one text, each between spaces, so `' stem '` finds a whole stem."""
    distinct = list(dict.fromkeys(stems))
    return f" {' '.join(distinct)} " if distinct else ""


def rebuild_search_documents(connection: Connection) -> int:
    """Replace every search document with one built from the knowledge tables; return the count.

    Written a batch at a time, in one pass: the memory it takes is a batch and the vocabulary."""
    connection.execute(delete(SEARCH_CONDITION))
    connection.execute(delete(SEARCH_DOCUMENT))
    connection.execute(delete(SEARCH_WORD))
    holding: Counter[str] = Counter()  # stem -> how many documents hold it
    words: set[str] = set()
    count = 0
    documents = iter(build_documents(connection))
    while batch := list(islice(documents, BATCH)):
        rows = []
        for document in batch:
            row, found = indexed(document)
            rows.append(row)
            words |= found
            holding.update({stem(word) for word in found})
        insert_rows(connection, SEARCH_DOCUMENT, rows)
        members = [
            {"document_id": doc["id"], "condition_slug": condition}
            for doc in batch
            for condition in doc["conditions"]
        ]
        insert_rows(connection, SEARCH_CONDITION, members)
        count += len(batch)
    if words:
        vocabulary = [
            {"word": word, "stem": stem(word), "documents": holding[stem(word)]}
            for word in sorted(words)
        ]
        insert_rows(connection, SEARCH_WORD, vocabulary)
    return count


def indexed(document: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """A document's row, with the stems of each of its weight classes, and the words it holds."""
    stems: dict[str, list[str]] = defaultdict(list)
    words: set[str] = set()
    for name, column in FIELDS.items():
        found = words_of(document[name])
        words.update(found)
        stems[column] += [stem(word) for word in found]
    row = {k: v for k, v in document.items() if k != "conditions"}
    return row | {column: terms_text(stems[column]) for column in TERM_COLUMNS}, words


def build_documents(connection: Connection) -> Iterable[dict[str, Any]]:
    """The search documents the knowledge tables call for, with ids in a stable order."""
    concept, statement, evidence = table(Concept), table(Statement), table(Evidence)
    predicate, term = table(Predicate), table(VocabularyTerm)
    resources = {
        row.slug: row.resource
        for row in connection.execute(select(predicate.c.slug, predicate.c.resource))
    }
    terms = {
        (row.vocabulary, row.slug): row
        for row in connection.execute(
            select(term.c.vocabulary, term.c.slug, term.c.label, term.c.plain)
        )
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
        # Its aspect in words ("prevalence, how common it is"): "how common is ..." finds it.
        aspect = terms.get((GUIDANCE_ASPECT, g.aspect))
        if aspect is not None:
            details[g.condition_slug].append(", ".join(filter(None, (aspect.label, aspect.plain))))
        said[g.condition_slug] += quotes[guidance_claim(g.condition_slug, g.slug)]
    for slug in conditions:
        kinds[slug].add(CONDITION_KIND)
        of[slug].add(slug)
        said[slug] = quotes[definition_claim(slug)] + said[slug]

    served = [
        row
        for row in connection.execute(select(concept).order_by(concept.c.slug))
        if kinds[row.slug] & set(KINDS)
    ]
    for number, row in enumerate(served, start=1):
        listed = [k for k in KINDS if k in kinds[row.slug]]
        description = (
            conditions[row.slug].description if row.slug in conditions else row.description
        )
        kind_labels = [
            terms[(KIND_VOCABULARIES[k], row.kind)].label
            for k in listed
            if k in KIND_VOCABULARIES and (KIND_VOCABULARIES[k], row.kind) in terms
        ]
        yield {
            "id": number,
            "kind": listed[0],
            "roles": f" {' '.join(listed)} ",
            "slug": row.slug,
            "name": row.name,
            "aliases": "\n".join(row.also_called),
            "description": description or "",
            "kinds": "\n".join(
                [f"{k.replace('-', ' ')}: {KIND_WORDS[k]}" for k in listed] + kind_labels
            ),
            "details": "\n".join(dict.fromkeys(details[row.slug])),
            "quotes": "\n".join(dict.fromkeys(said[row.slug])),
            "conditions": sorted(of[row.slug]),
        }
