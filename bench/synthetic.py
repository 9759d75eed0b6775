"""Synthetic conditions for measuring at scale: a separate database, for the benchmark only.

The database is built by the real migrations (so it holds calcinosis cutis and every index a
migration maintains), then synthetic conditions are written the way a data revision writes a
seed (their rows from `knowledge_rows`); the search index is built by each knowledge snapshot,
as for the real seeds. Each synthetic condition has the shape of the real one (its concepts and
statements) and its own source text made of invented words, with a few real medical words mixed
in at the rate of any other word, so that a search for "kidney" finds some synthetic items too,
as it would in a real library of conditions. Nothing here is served by the product: the synthetic
concepts carry no codes and their text says nothing.

    python -m bench.synthetic data/bench/synthetic.db --conditions 1000
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/EMPTY python -m bench.synthetic
"""

import argparse
import json
import os
import random
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.config import SEED_DIR
from app.db import migrate, write_rows
from app.knowledge import Knowledge, knowledge_rows, load_knowledge
from app.knowledge.formats import KnowledgeSeed
from app.knowledge.ids import definition_claim, guidance_claim, statement_id
from app.knowledge.seeds import Quote, Seed
from tools.curation.revisions import JSON_COLUMNS

# How many statements of each predicate a condition makes: the real seed's shape.
SHAPE = {
    "occurs-in": 5,
    "has-symptom": 4,
    "has-complication": 2,
    "has-cause-type": 5,
    "has-risk-factor": 19,
    "diagnosed-by": 7,
    "treated-by": 5,
    "prevented-by": 5,
}
GUIDANCE = 4
MEDICAL_WORDS = [
    "kidney",
    "skin",
    "calcium",
    "blood",
    "lump",
    "bone",
    "heart",
    "lung",
    "liver",
    "thyroid",
    "infection",
    "pain",
    "fever",
    "swelling",
    "rash",
    "vessel",
    "tissue",
    "nerve",
    "muscle",
    "joint",
    "phosphate",
    "vitamin",
    "hormone",
    "gland",
    "infusion",
    "injection",
    "surgery",
    "laser",
    "biopsy",
    "scan",
]
TEST_KINDS = ("blood-test", "imaging", "biopsy", "organ-function")
TREATMENT_KINDS = ("medication", "surgery", "laser", "iontophoresis")


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    """Invented words, plus the medical words at the same rate as any of them."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size)}
    return sorted(words) + MEDICAL_WORDS


class Writer:
    """Builds one synthetic condition: its source text grows by one sentence per quote."""

    def __init__(self, rng: random.Random, words: list[str], index: int) -> None:
        self.rng, self.words, self.index = rng, words, index
        self.text = ""
        self.count = 0
        self.evidence: dict[str, list[Quote]] = {}
        # Each statement's quotes, in order: keyed by its id once the seed is checked.
        self.statement_quotes: list[list[Quote]] = []

    def phrase(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(self.words, k=self.rng.randint(low, high)))

    def quotes(self) -> list[Quote]:
        placed = []
        for _ in range(self.rng.randint(1, 2)):
            sentence = self.phrase(10, 20).capitalize() + "."
            start = len(self.text)
            self.text += sentence + " "
            placed.append(Quote(sentence, start, start + len(sentence)))
        return placed

    def concept(self, **extra: Any) -> dict[str, Any]:
        self.count += 1
        name = self.phrase(2, 3).capitalize()
        slug = f"{name.lower().replace(' ', '-')}-s{self.index:04d}-{self.count}"
        return {"slug": slug, "name": name, "description": self.phrase(8, 14) + ".", **extra}

    def statement(self, predicate: str, target: str, **extra: Any) -> dict[str, Any]:
        quotes = self.quotes()
        self.statement_quotes.append(quotes)
        return {
            "predicate": predicate,
            "object": target,
            "certainty": self.rng.choice(("stated", "possible", "suspected")),
            "description": self.phrase(8, 14).capitalize() + ".",
            "evidence": [q.quote for q in quotes],
            **extra,
        }

    def seed(self) -> Seed:
        slug = f"synthetic-condition-{self.index:04d}"
        definition = self.quotes()
        self.evidence[definition_claim(slug)] = definition
        guidance = []
        for _ in range(GUIDANCE):
            part = self.concept()
            quotes = self.quotes()
            self.evidence[guidance_claim(slug, part["slug"])] = quotes
            guidance.append({**part, "evidence": [q.quote for q in quotes]})
        concepts: list[dict[str, Any]] = []
        statements: list[dict[str, Any]] = []
        causes: list[str] = []
        for predicate, count in SHAPE.items():
            for _ in range(count):
                kind = {"diagnosed-by": TEST_KINDS, "treated-by": TREATMENT_KINDS}.get(predicate)
                concept = self.concept(**({"kind": self.rng.choice(kind)} if kind else {}))
                concepts.append(concept)
                extra: dict[str, Any] = {}
                if predicate == "has-risk-factor":
                    extra["cause_type"] = self.rng.choice(causes)
                if predicate == "treated-by":
                    extra |= {"aim": self.phrase(6, 10), "indications": [self.phrase(2, 4)]}
                if predicate == "prevented-by":
                    extra["audience"] = self.phrase(3, 6)
                statements.append(self.statement(predicate, concept["slug"], **extra))
                if predicate == "has-cause-type":
                    causes.append(concept["slug"])
                if predicate == "treated-by":
                    drug = self.concept()
                    concepts.append(drug)
                    statements.append(
                        self.statement("includes-drug", drug["slug"], subject=concept["slug"])
                    )
        data = KnowledgeSeed.model_validate(
            {
                "source": {
                    "slug": f"synthetic-source-{self.index:04d}",
                    "title": f"Synthetic source {self.index}",
                    "file": "source.txt",
                    "sha256": "0" * 64,  # never read from a file: the text is built here
                    "language": "en",
                },
                "condition": {
                    "slug": slug,
                    "name": self.phrase(2, 3).capitalize(),
                    "description": self.phrase(8, 14) + ".",
                    "evidence": [q.quote for q in definition],
                },
                "guidance": guidance,
                "concepts": concepts,
                "statements": statements,
            }
        )
        for statement, quotes in zip(data.statements, self.statement_quotes, strict=True):
            self.evidence[statement_id(slug, statement)] = quotes
        return Seed(slug, Path(slug) / "knowledge.toml", data, self.text, self.evidence)


def generate(target: Path | str, conditions: int, seed: int = 1) -> None:
    """A database with the real seeds and `conditions - 1` synthetic conditions: a SQLite file
    at `target` (a path, replaced if it exists), or the empty database a URL names (PostgreSQL:
    migrated, then written to, the same way). The conditions are made a chunk at a time in
    worker processes (one per core), each from its own random generator, so that the database
    is the same however many cores make it; one transaction writes them as they come."""
    if isinstance(target, str) and "://" in target:
        url = migrate(target)
    else:
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        url = migrate(f"sqlite:///{path}")
    real = load_knowledge(SEED_DIR)
    chunks = [range(i, min(i + CHUNK, conditions)) for i in range(1, conditions, CHUNK)]
    engine = sa.create_engine(url)
    with (
        engine.begin() as connection,
        ProcessPoolExecutor(
            initializer=_start_worker, initargs=(real.vocabulary, real.terms, seed)
        ) as workers,
    ):
        for rows in workers.map(_chunk_rows, chunks):
            for name, (columns, values) in rows.items():
                write_rows(connection, name, columns, values)
    engine.dispose()


# Conditions made per chunk: small enough to keep every core busy and the parent's memory low.
CHUNK = 100
# The tables the real migrations have written already: the same for every condition.
SHARED = frozenset({"vocabulary_term", "predicate"})
_worker: dict[str, Any] = {}


def _start_worker(vocabulary_seed: Any, terms: Any, seed: int) -> None:
    _worker.update(vocabulary=vocabulary_seed, terms=terms, seed=seed)
    _worker["words"] = vocabulary(random.Random(seed))


def _chunk_rows(indices: range) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """The rows of the synthetic conditions numbered `indices`, by table, as the driver writes
    them (JSON as text): each condition from a generator seeded by its number."""
    seed, words = _worker["seed"], _worker["words"]
    seeds = [Writer(random.Random(f"{seed}:{i}"), words, i).seed() for i in indices]
    rows = knowledge_rows(Knowledge(_worker["vocabulary"], _worker["terms"], seeds))
    written = {}
    for name, table_rows in rows.items():
        if name in SHARED or not table_rows:
            continue
        columns = list(table_rows[0])
        written[name] = (
            columns,
            [
                tuple(json.dumps(row[c]) if c in JSON_COLUMNS else row[c] for c in columns)
                for row in table_rows
            ],
        )
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "target",
        nargs="?",
        default=os.environ.get("DATABASE_URL"),
        help="a SQLite file to write, or the URL of an empty PostgreSQL database "
        "(default: DATABASE_URL, which keeps a password off the command line)",
    )
    parser.add_argument("--conditions", type=int, default=1000)
    args = parser.parse_args()
    if args.target is None:
        parser.error("give a SQLite file or a database URL (or set DATABASE_URL)")
    began = time.perf_counter()
    generate(args.target, args.conditions)
    where = make_url(args.target).database if "://" in args.target else args.target
    print(f"{where}: {args.conditions} conditions in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
