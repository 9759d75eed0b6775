"""Synthetic conditions for measuring at scale: a separate database, for the benchmark only.

The database is built by the real migrations (so it holds calcinosis cutis and every index,
trigger or search table a migration maintains), then synthetic conditions are written through
`insert_knowledge`, exactly as a data migration writes a seed. Each synthetic condition has the
shape of the real one (62 items) and its own source text made of invented words, with a few
real medical words mixed in at the rate of any other word, so that a search for "kidney" finds
some synthetic items too, as it would in a real library of conditions. Nothing here is served
by the product: the synthetic items carry no codes and their text says nothing.

    python -m bench.synthetic data/bench/synthetic.db --conditions 1000
"""

import argparse
import random
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from app.config import ROOT
from app.knowledge import TABLE_ORDER, Knowledge, insert_knowledge
from app.knowledge.loader import KnowledgeSeed

# How many items of each section a condition has: the real seed's shape.
SHAPE = {
    "guidance": 4,
    "body_sites": 5,
    "symptoms": 4,
    "complications": 2,
    "cause_types": 5,
    "risk_factors": 19,
    "tests": 7,
    "treatments": 5,
    "prevention": 5,
}
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

    def phrase(self, low: int, high: int) -> str:
        return " ".join(self.rng.choice(self.words) for _ in range(self.rng.randint(low, high)))

    def quote(self) -> dict[str, Any]:
        sentence = self.phrase(10, 20).capitalize() + "."
        start = len(self.text)
        self.text += sentence + " "
        return {"quote": sentence, "start": start, "end": start + len(sentence)}

    def item(self, **extra: Any) -> dict[str, Any]:
        self.count += 1
        name = self.phrase(2, 3).capitalize()
        slug = f"{name.lower().replace(' ', '-')}-s{self.index:04d}-{self.count}"
        return {
            "slug": slug,
            "name": name,
            "description": self.phrase(8, 14).capitalize() + ".",
            "evidence": [self.quote() for _ in range(self.rng.randint(1, 2))],
            **extra,
        }

    def knowledge(self) -> Knowledge:
        n = SHAPE
        causes = [self.item(mechanism=self.phrase(6, 10)) for _ in range(n["cause_types"])]
        cause_slugs = [cause["slug"] for cause in causes]
        seed = {
            "condition": self.item(),
            "guidance": [self.item() for _ in range(n["guidance"])],
            "body_sites": [self.item() for _ in range(n["body_sites"])],
            "symptoms": [self.item() for _ in range(n["symptoms"])],
            "complications": [self.item() for _ in range(n["complications"])],
            "cause_types": causes,
            "risk_factors": [
                self.item(cause_types=self.rng.sample(cause_slugs, self.rng.randint(1, 2)))
                for _ in range(n["risk_factors"])
            ],
            "tests": [self.item(kind=self.rng.choice(TEST_KINDS)) for _ in range(n["tests"])],
            "treatments": [
                self.item(
                    kind=self.rng.choice(TREATMENT_KINDS),
                    aim=self.phrase(6, 10),
                    indications=[self.phrase(2, 4)],
                    drugs=[self.item()],
                )
                for _ in range(n["treatments"])
            ],
            "prevention": [self.item(audience=self.phrase(3, 6)) for _ in range(n["prevention"])],
        }
        seed["source"] = {
            "slug": f"synthetic-source-{self.index:04d}",
            "title": f"Synthetic source {self.index}",
            "file": "source.txt",
            "sha256": "0" * 64,  # never read from a file: the text is built here
            "language": "en",
        }
        return Knowledge(seed=KnowledgeSeed.model_validate(seed), text=self.text)


def migrate(path: Path) -> str:
    """Build the database at `path` with the real migrations; return its URL."""
    url = f"sqlite:///{path}"
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
    return url


def generate(path: Path, conditions: int, seed: int = 1) -> None:
    """A database with calcinosis cutis and `conditions - 1` synthetic conditions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    url = migrate(path)
    rng = random.Random(seed)
    words = vocabulary(rng)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        metadata = sa.MetaData()
        metadata.reflect(connection, only=TABLE_ORDER)
        for index in range(1, conditions):
            insert_knowledge(connection, metadata.tables, Writer(rng, words, index).knowledge())
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--conditions", type=int, default=1000)
    args = parser.parse_args()
    began = time.perf_counter()
    generate(args.path, args.conditions)
    print(f"{args.path}: {args.conditions} conditions in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
