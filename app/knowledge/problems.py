"""What is wrong in the curated files, said so that a curator can act on it.

Each problem names its file, the item in it and what to do; SeedError carries every problem
found at once. A problem is a refusal (nothing loads while there is one) or a warning: something
a curator should read and correct, or accept, that loads all the same.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from app.knowledge.formats import StatementSeed


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a curated file: where, which item, and what to do."""

    file: Path
    item: str
    message: str
    severity: Literal["refusal", "warning"] = "refusal"

    def shown(self, root: Path) -> str:
        """The problem, its file named as from `root` (the folder that holds the seeds)."""
        warning = "warning: " if self.severity == "warning" else ""
        return f"{relative(self.file, root)}: {self.item}: {warning}{self.message}"


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


def describe_statement(statement: StatementSeed) -> str:
    """How a problem names a statement: its predicate, object and what tells it apart."""
    words = [f"statement {statement.predicate} {statement.object!r}"]
    if statement.subject is not None:
        words.append(f"of {statement.subject!r}")
    if statement.cause_type is not None:
        words.append(f"under {statement.cause_type!r}")
    return " ".join(words)


def shorten(text: str, size: int = 60) -> str:
    """A quote in a message: its first `size` characters at most."""
    return text if len(text) <= size else text[: size - 3] + "..."


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def shown_file(path: Path) -> str:
    """Another seed's file, in a message: from the folder that holds the seed folders."""
    return relative(path, path.resolve().parent.parent.parent)
